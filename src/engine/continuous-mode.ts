// Continuous mode: the first log position compaction must keep so that no record is lost before a completed backup holds it.
import type { BackupRow } from './backup-state.js';

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
