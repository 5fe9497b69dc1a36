// The dispatcher that routes each record type to its handler.
import type { EngineRecord } from './records.js';
import type { ProcessingContext, ProcessingEffects } from './processing-effects.js';
import { processCheckpointRecord } from './checkpoint-processing.js';
import { processWorkloadRecord } from './workload-processing.js';
import { unreachable } from '../assert.js';

/** Applies one record to the state (inside the caller's transaction) and collects its effects. */
export function processRecord(record: EngineRecord, context: ProcessingContext, effects: ProcessingEffects): void {
  switch (record.type) {
    case 'CHECKPOINT_CREATE':
    case 'CHECKPOINT_CREATED':
    case 'CHECKPOINT_IGNORED':
    case 'BACKUP_CONFIRMED':
    case 'BACKUP_DELETED':
      processCheckpointRecord(record, context, effects);
      return;
    case 'CREATE_INSTANCE':
    case 'PUBLISH_MESSAGE':
    case 'OPEN_SUBSCRIPTION':
    case 'SUBSCRIPTION_OPENED':
    case 'CORRELATE_MESSAGE':
    case 'MESSAGE_CORRELATED':
      processWorkloadRecord(record, context, effects);
      return;
    default:
      unreachable(record, 'record type without a handler');
  }
}
