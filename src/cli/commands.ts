// The registry of CLI commands: one module per file under commands/, listed here in help order.
import type { AnyCommand } from './command.js';
import { modelCheckCommand } from './commands/model-check.js';

export const commands: readonly AnyCommand[] = [
  modelCheckCommand,
];
