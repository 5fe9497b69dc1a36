// A BackupHook for tests that remembers every checkpoint it is told about, in order.
import type { BackupHook, CreatedCheckpoint } from '../../src/engine/backup-hook.js';

/** Remembers every notification in order; used by tests and by the scripted scenarios. */
export class RecordingBackupHook implements BackupHook {
  readonly created: CreatedCheckpoint[] = [];
  checkpointCreated(checkpoint: CreatedCheckpoint): void {
    this.created.push(checkpoint);
  }
}
