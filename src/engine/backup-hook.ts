// The seam between checkpoint processing and the backup manager.
import type { CreatedCheckpoint } from './processing-effects.js';

export type { CreatedCheckpoint } from './processing-effects.js';

/**
 * Receives every checkpoint of a backup type (MANUAL_BACKUP, SCHEDULED_BACKUP; never MARKER) that a
 * partition created, once its CHECKPOINT_CREATE is committed. Called synchronously on the processing
 * path: an implementation MUST only queue the work and return (the backup itself runs asynchronously).
 * Not called for records replayed during recovery that had been processed before the restart.
 */
export interface BackupHook {
  checkpointCreated(checkpoint: CreatedCheckpoint): void;
}

/** A hook that does nothing: the engine without a backup manager. */
export const noBackupHook: BackupHook = { checkpointCreated: () => {} };
