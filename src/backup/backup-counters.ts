// What a backup manager has done since its process started, per partition: counters for GET /metrics.

/** One partition's partition backups of this process. */
export interface PartitionBackupCounts {
  readonly partitionId: number;
  readonly completed: number;
  readonly failed: number;
  /** Bytes the completed backups added to the store (new chunks; whole files for format 1). */
  readonly uploadedBytes: number;
}

/** Monotonic counters (they start at 0 with the process, as Prometheus counters do). */
export class BackupCounters {
  private readonly partitions = new Map<number, { completed: number; failed: number; uploadedBytes: number }>();

  completed(partitionId: number, addedBytes: number): void {
    const counts = this.of(partitionId);
    counts.completed += 1;
    counts.uploadedBytes += addedBytes;
  }

  failed(partitionId: number): void {
    this.of(partitionId).failed += 1;
  }

  /** Every partition with a backup so far, ascending. */
  counts(): PartitionBackupCounts[] {
    return [...this.partitions.entries()]
      .sort(([left], [right]) => left - right)
      .map(([partitionId, counts]) => ({ partitionId, ...counts }));
  }

  private of(partitionId: number): { completed: number; failed: number; uploadedBytes: number } {
    let counts = this.partitions.get(partitionId);
    if (counts === undefined) {
      counts = { completed: 0, failed: 0, uploadedBytes: 0 };
      this.partitions.set(partitionId, counts);
    }
    return counts;
  }
}
