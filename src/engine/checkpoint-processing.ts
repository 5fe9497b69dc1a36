// Processing of checkpoint records: CHECKPOINT_CREATE decides CREATED or IGNORED; BACKUP_CONFIRMED is recorded.
import { isBackupType, type EngineRecord } from './records.js';
import type { ProcessingContext, ProcessingEffects } from './processing.js';

type CheckpointRecord = Extract<EngineRecord, { type: 'CHECKPOINT_CREATE' | 'CHECKPOINT_CREATED' | 'CHECKPOINT_IGNORED' | 'BACKUP_CONFIRMED' }>;

export function processCheckpointRecord(record: CheckpointRecord, context: ProcessingContext, effects: ProcessingEffects): void {
  const { store } = context;
  switch (record.type) {
    case 'CHECKPOINT_CREATE': {
      const current = store.partitionState();
      const { checkpointId, checkpointType } = record.value;
      if (checkpointId > current.checkpointId) {
        store.setCheckpoint(checkpointId, record.position, checkpointType);
        effects.followUps.push({
          type: 'CHECKPOINT_CREATED',
          value: { checkpointId, checkpointType, checkpointPosition: record.position, causePosition: record.position },
        });
        if (isBackupType(checkpointType)) {
          effects.checkpointsCreated.push({ partitionId: context.partitionId, checkpointId, checkpointPosition: record.position, checkpointType });
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
      store.putBackup({ checkpointId, checkpointPosition, status, reason: record.value.reason ?? null, confirmedPosition: record.position });
      return;
    }
  }
}
