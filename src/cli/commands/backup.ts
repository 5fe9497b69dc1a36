// `cutline backup <command>`: the parent of every command about backups; subcommands are listed here.
import type { Argv } from 'yargs';
import type { AnyCommand } from '../command.js';
import { backupExportCommand } from './backup-export.js';
import { backupImportCommand } from './backup-import.js';

/** Subcommands in help order; take, status, list and delete (against the engine's API) go here too. */
const backupSubcommands = [backupExportCommand, backupImportCommand] as readonly AnyCommand[];

export const backupCommand: AnyCommand = {
  command: 'backup <command>',
  describe: 'Work with backups: export one to a tar archive, import an archive into a store',
  builder: (yargs: Argv) => yargs.command(backupSubcommands as never).demandCommand(1, 'Name a backup command; `cutline backup --help` lists them.'),
  handler: () => undefined,
};
