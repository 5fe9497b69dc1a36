// `cutline backup <command>`: the parent of every command about backups; subcommands are listed here.
import type { Argv } from 'yargs';
import type { AnyCommand } from '../command.js';
import { backupExportCommand } from './backup-export.js';
import { backupImportCommand } from './backup-import.js';
import { backupTakeCommand } from './backup-take.js';
import { backupStatusCommand } from './backup-status.js';
import { backupListCommand } from './backup-list.js';
import { backupDeleteCommand } from './backup-delete.js';
import { backupStateCommand } from './backup-state.js';

/** Subcommands in help order: those against the engine's management API, then those against a store. */
const backupSubcommands = [
  backupTakeCommand,
  backupStatusCommand,
  backupListCommand,
  backupStateCommand,
  backupDeleteCommand,
  backupExportCommand,
  backupImportCommand,
] as readonly AnyCommand[];

export const backupCommand: AnyCommand = {
  command: 'backup <command>',
  describe: 'Work with backups: take, status, list, state, delete (through the engine API); export, import (a store)',
  builder: (yargs: Argv) =>
    yargs.command(backupSubcommands as never).demandCommand(1, 'Name a backup command; `cutline backup --help` lists them.'),
  handler: () => undefined,
};
