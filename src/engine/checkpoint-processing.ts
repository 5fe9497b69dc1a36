// Processing of checkpoint records: CHECKPOINT_CREATE decides CREATED or IGNORED; BACKUP_CONFIRMED and BACKUP_DELETED keep the ranges.
import { isBackupType, type EngineRecord } from './records.js';
import type { ProcessingContext, ProcessingEffects } from './processing-effects.js';
import type { BackupStateStore } from './backup-state.js';
import { rangeBackupOfRow } from './backup-state.js';
import { computeRanges, type RangeBackup } from '../protocol/ranges.js';

type CheckpointRecord = Extract<
  EngineRecord,
  { type: 'CHECKPOINT_CREATE' | 'CHECKPOINT_CREATED' | 'CHECKPOINT_IGNORED' | 'BACKUP_CONFIRMED' | 'BACKUP_DELETED' }
>;

export function processCheckpointRecord(record: CheckpointRecord, context: ProcessingContext, effects: ProcessingEffects): void {
  const { store } = context;
  switch (record.type) {
    case 'CHECKPOINT_CREATE': {
      const current = store.partitionState();
      const { checkpointId, checkpointType } = record.value;
      if (checkpointId > current.checkpointId) {
        store.setCheckpoint(checkpointId, record.position, checkpointType);
        // The record's own timestamp (written when it was appended), so replay yields the same row.
        store.backupState.putCheckpoint({
          checkpointId,
          checkpointType,
          checkpointPosition: record.position,
          checkpointTimestampMs: record.timestampMs,
        });
        effects.followUps.push({
          type: 'CHECKPOINT_CREATED',
          value: { checkpointId, checkpointType, checkpointPosition: record.position, causePosition: record.position },
        });
        if (isBackupType(checkpointType)) {
          effects.checkpointsCreated.push({
            partitionId: context.partitionId,
            checkpointId,
            checkpointPosition: record.position,
            checkpointType,
          });
        }
      } else {
        effects.followUps.push({
          type: 'CHECKPOINT_IGNORED',
          value: {
            requestedCheckpointId: checkpointId,
            checkpointId: current.checkpointId,
            checkpointPosition: current.checkpointPosition,
            causePosition: record.position,
          },
        });
      }
      return;
    }
    case 'CHECKPOINT_CREATED':
    case 'CHECKPOINT_IGNORED':
      // Events that document a decision already applied when the CHECKPOINT_CREATE was processed.
      return;
    case 'BACKUP_CONFIRMED': {
      const { checkpointId, checkpointPosition, status } = record.value;
      const coverage = status === 'COMPLETED' ? record.value.coverage : undefined;
      store.backupState.putBackup({
        checkpointId,
        checkpointPosition,
        status,
        reason: record.value.reason ?? null,
        confirmedPosition: record.position,
        checkpointType: coverage?.checkpointType ?? null,
        checkpointTimestampMs: coverage?.checkpointTimestampMs ?? null,
        snapshotProcessedPosition: coverage?.snapshotProcessedPosition ?? null,
        firstLogPosition: coverage?.firstLogPosition ?? null,
        lastLogPosition: coverage?.lastLogPosition ?? null,
      });
      updateRanges(store.backupState);
      return;
    }
    case 'BACKUP_DELETED': {
      const row = store.backupState.backup(record.value.checkpointId);
      // Deleting a backup the partition never saw confirmed leaves nothing to change (the manifest may be FAILED or gone).
      if (row === undefined || row.status === 'DELETED') return;
      store.backupState.putBackup({ ...row, status: 'DELETED' });
      updateRanges(store.backupState);
      return;
    }
  }
}

/**
 * Recomputes the ranges from every completed backup (a few hundred rows at most) and forgets the
 * checkpoints no range can restore to any more, i.e. those before the oldest range's first cut.
 */
function updateRanges(backupState: BackupStateStore): void {
  const backups = backupState
    .backups()
    .map(rangeBackupOfRow)
    .filter((backup): backup is RangeBackup => backup !== undefined);
  const ranges = computeRanges(backups);
  backupState.replaceRanges(ranges);
  const oldest = ranges[0];
  if (oldest !== undefined) backupState.pruneCheckpointsBefore(oldest.firstCutPosition);
}
