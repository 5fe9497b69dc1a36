// The effects processing may have, and the dispatcher that routes each record type to its handler.
import type { CheckpointType, EngineRecord, EngineRecordBody, UnsentCommandBody } from './records.js';
import type { StateStore } from './state-store.js';
import { processCheckpointRecord } from './checkpoint-processing.js';
import { processWorkloadRecord } from './workload-processing.js';
import { unreachable } from '../assert.js';

/** A command for another partition, before the sending partition adds its source envelope. */
export interface OutgoingCommand {
  readonly targetPartitionId: number;
  readonly body: UnsentCommandBody;
}

/** A checkpoint of a backup type that processing created: handed to the backup manager after commit. */
export interface CreatedCheckpoint {
  readonly partitionId: number;
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  readonly checkpointType: CheckpointType;
}

/**
 * What processing one record produced besides its state changes (which go straight to SQLite).
 * Follow-up records are appended to the log; replies, first sends and checkpoint notifications are
 * external effects, performed only after the batch committed, and never during replay.
 */
export interface ProcessingEffects {
  readonly followUps: EngineRecordBody[];
  /** Acknowledgements: sent once; a lost one is recovered by the sender's retry and our de-duplication. */
  readonly replies: OutgoingCommand[];
  /** Outbox keys added by this record: sent right after commit, then re-sent on the retry timer. */
  readonly outboxAdded: string[];
  readonly checkpointsCreated: CreatedCheckpoint[];
}

/** What a handler may read besides the record: the partition's identity and its store. */
export interface ProcessingContext {
  readonly partitionId: number;
  readonly partitionCount: number;
  readonly store: StateStore;
}

export function emptyEffects(): ProcessingEffects {
  return { followUps: [], replies: [], outboxAdded: [], checkpointsCreated: [] };
}

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
