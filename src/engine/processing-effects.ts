// What processing one record may produce besides its state changes, and what a record handler may read.
import type { CheckpointType, EngineRecordBody, UnsentCommandBody } from './records.js';
import type { StateStore } from './state-store.js';

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
