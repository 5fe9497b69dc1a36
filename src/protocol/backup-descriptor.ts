// What a partition backup is of: its checkpoint, snapshot and log positions (a manifest's descriptor), shared by engine, backup and restore.

/** The checkpoint types that take a backup; MARKER checkpoints never do. */
export type BackupCheckpointType = 'MANUAL_BACKUP' | 'SCHEDULED_BACKUP';

/** What one partition backup holds, as its manifest describes it. */
export interface ManifestDescriptor {
  /** The snapshot the backup holds, or null when the partition had none (replay from position 1). */
  readonly snapshotId: string | null;
  /** Position of the last record the snapshot's state has processed; 0 without a snapshot. */
  readonly snapshotProcessedPosition: number;
  /** Position of the checkpoint record; restore truncates the log right after it. */
  readonly checkpointPosition: number;
  readonly checkpointTimestampMs: number;
  readonly checkpointType: BackupCheckpointType;
  /** First and last position of the records the backed-up segments hold. */
  readonly firstLogPosition: number;
  readonly lastLogPosition: number;
  readonly partitionCount: number;
  readonly engineVersion: string;
}
