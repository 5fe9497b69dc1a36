// Pinning a checkpoint's backup base inside the hook: the newest usable snapshot (or the whole log) and the checkpoint's timestamp.
import { assert } from '../assert.js';
import { CutlineError } from '../errors.js';
import type { CreatedCheckpoint } from '../engine/backup-hook.js';
import type { Partition } from '../engine/partition.js';
import { decodeRecord, isBackupType } from '../engine/records.js';
import type { PinnedCheckpoint } from './partition-backup.js';
import { pinContinuousLog } from '../engine/continuous-mode.js';
import type { BackupCheckpointType } from '../protocol/backup-descriptor.js';

export interface PinResult {
  readonly checkpoint: PinnedCheckpoint;
  /** Why the backup cannot be taken at all; the backup then fails with it. */
  readonly failure: CutlineError | undefined;
  /** Releases the snapshot reservation or the log hold; safe to call more than once. */
  release(): void;
}

/**
 * Runs synchronously on the processing path, before the next snapshot or compaction can happen:
 * reserves the newest snapshot whose processed and last written positions are at or before the
 * checkpoint (so no follow-up of a record in it lies after the cut), or, when the partition has no such
 * snapshot and its log still starts at 1, holds the whole log. Reading the checkpoint record here also
 * checks the engine's promise that it sits at the notified position.
 */
export function pinCheckpoint(partition: Partition, created: CreatedCheckpoint, nodeId: number): PinResult {
  assert(isBackupType(created.checkpointType), `checkpoint ${created.checkpointId} has a backup type`);
  const id = { partitionId: created.partitionId, checkpointId: created.checkpointId, nodeId };
  const record = partition.log.firstPosition <= created.checkpointPosition ? partition.log.get(created.checkpointPosition) : undefined;
  if (record !== undefined) {
    const decoded = decodeRecord(record);
    assert(
      decoded.type === 'CHECKPOINT_CREATE' && decoded.value.checkpointId === created.checkpointId,
      `partition ${created.partitionId} holds CHECKPOINT_CREATE ${created.checkpointId} at ${created.checkpointPosition}`,
    );
  }
  const base = {
    id,
    checkpointPosition: created.checkpointPosition,
    checkpointType: created.checkpointType as BackupCheckpointType,
    checkpointTimestampMs: record?.timestampMs ?? 0,
  };
  const snapshot = partition.snapshots.newestAtOrBefore(created.checkpointPosition);
  if (record !== undefined && snapshot !== undefined) {
    const reservation = partition.snapshots.reserve(snapshot);
    // A snapshot of position 0 holds nothing: the backup replays from position 1 (its reservation keeps the log).
    const held = snapshot.metadata.processedPosition > 0 ? snapshot : undefined;
    const continuous = pinContinuousLog(partition, snapshot.metadata.processedPosition);
    const release = () => {
      continuous.release();
      reservation.release();
    };
    return { checkpoint: { ...base, snapshot: held, logStart: continuous.logStart }, failure: undefined, release };
  }
  if (record !== undefined && partition.log.firstPosition <= 1) {
    const hold = partition.holdLog(1);
    return { checkpoint: { ...base, snapshot: undefined }, failure: undefined, release: () => hold.release() };
  }
  const failure = new CutlineError(
    'LOG_POSITION',
    `partition ${created.partitionId}, backup ${created.checkpointId}: no snapshot at or before the checkpoint at ${created.checkpointPosition} remains, and the log starts at ${partition.log.firstPosition}`,
    { hint: 'The backup of this checkpoint can no longer be taken (its notification was handled too late); take a new backup.' },
  );
  return { checkpoint: { ...base, snapshot: undefined }, failure, release: () => {} };
}
