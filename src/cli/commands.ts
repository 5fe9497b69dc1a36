// The registry of CLI commands: one module per file under commands/, listed here in help order.
import type { AnyCommand } from './command.js';
import { demoCommand } from './commands/demo.js';
import { logCommand } from './commands/log.js';

export const commands: readonly AnyCommand[] = [
  // log: begin (the partition log's commands; other areas add their own lines)
  logCommand,
  demoCommand,
  // log: end
];
