// The registry of CLI commands: one module per file under commands/, listed here in help order.
import type { AnyCommand } from './command.js';
import { backupCommand } from './commands/backup.js';
import { configCommand } from './commands/config.js';
import { demoCommand } from './commands/demo.js';
import { engineCommand } from './commands/engine.js';
import { logCommand } from './commands/log.js';
import { modelCheckCommand } from './commands/model-check.js';
import { restoreCommand } from './commands/restore.js';
import { verifyBackupCommand } from './commands/verify-backup.js';

export const commands: readonly AnyCommand[] = [
  engineCommand,
  backupCommand,
  restoreCommand,
  verifyBackupCommand,
  modelCheckCommand,
  logCommand,
  configCommand,
  demoCommand,
];
