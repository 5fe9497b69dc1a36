// Continuous mode: the first log position compaction must keep so that no record is lost before a completed backup holds it.
import type { BackupRow } from './backup-state.js';
import type { BackupCoverage } from './records.js';
import type { ManifestDescriptor } from '../protocol/backup-descriptor.js';

/**
 * Right after the newest COMPLETED backup's checkpoint (records up to it are in that backup); 1 while
 * no backup completed. A pending or FAILED backup does not move it, and a DELETED one never was the
 * newest completed (retention keeps that one), so compaction stops short until the next backup completes.
 */
export function continuousHoldPosition(backups: readonly BackupRow[]): number {
  let newest = 0;
  for (const backup of backups) if (backup.status === 'COMPLETED') newest = Math.max(newest, backup.checkpointPosition);
  return newest + 1;
}

/**
 * The first log position a backup of a checkpoint should hold in continuous mode: from the snapshot's
 * next record, or from right after the previous completed backup's checkpoint when that is earlier,
 * so that the new backup continues the previous one (`firstLogPosition <= previous checkpoint + 1`).
 */
export function continuousBackupLogStart(snapshotProcessedPosition: number, backups: readonly BackupRow[]): number {
  return Math.max(1, Math.min(snapshotProcessedPosition + 1, continuousHoldPosition(backups)));
}

/**
 * What continuous mode needs of a partition to pin a backup's log: a small seam, so that this file
 * does not depend on the partition (which depends on it for its compaction bound).
 */
export interface ContinuousLogPartition {
  readonly continuousBackups: boolean;
  readonly log: { readonly firstPosition: number };
  confirmedBackups(): readonly BackupRow[];
  /** Keeps records from `position` on from compaction until released. */
  holdLog(position: number): { release(): void };
}

/**
 * For a backup being pinned on `partition` with a snapshot at `snapshotProcessedPosition` (0: none): in
 * continuous mode, the first position it must hold (never before the log's start: a log compacted
 * before continuous mode was switched on cannot be made contiguous) and a log hold from there until
 * released; outside continuous mode, nothing.
 */
export function pinContinuousLog(
  partition: ContinuousLogPartition,
  snapshotProcessedPosition: number,
): { logStart: number | undefined; release(): void } {
  if (!partition.continuousBackups) return { logStart: undefined, release: () => {} };
  const logStart = Math.max(partition.log.firstPosition, continuousBackupLogStart(snapshotProcessedPosition, partition.confirmedBackups()));
  const hold = partition.holdLog(logStart);
  return { logStart, release: () => hold.release() };
}

/** What a COMPLETED backup's BACKUP_CONFIRMED carries so the partition's ranges include it. */
export function coverageOf(descriptor: ManifestDescriptor): BackupCoverage {
  return {
    checkpointType: descriptor.checkpointType,
    checkpointTimestampMs: descriptor.checkpointTimestampMs,
    snapshotProcessedPosition: descriptor.snapshotProcessedPosition,
    firstLogPosition: descriptor.firstLogPosition,
    lastLogPosition: descriptor.lastLogPosition,
  };
}
