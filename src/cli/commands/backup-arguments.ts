// Argument checks and formatting shared by the `cutline backup` subcommands.
import { CutlineError } from '../../errors.js';

/**
 * The yargs option of a backup or checkpoint id. It is read as a string: a number option turns
 * `--backupId abc` into NaN before any check sees it, and the error must name what was given.
 */
export function idOption<Required extends boolean = false>(
  describe: string,
  required?: Required,
): { readonly type: 'string'; readonly describe: string; readonly demandOption: Required } {
  return { type: 'string', describe: `${describe} (a positive integer)`, demandOption: (required ?? false) as Required };
}

/**
 * A backup id is a positive safe integer (the engine's checkpoint ids start at 1): the text of
 * idOption, or a number from a config file. Anything else is a USAGE error quoting the value given.
 */
export function requireBackupId(value: unknown, option = '--backupId'): number {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new CutlineError('USAGE', `${option} must be a positive integer, got ${JSON.stringify(value) ?? String(value)}`, {
      hint: 'Backup and checkpoint ids are the positive integers the engine assigned; `cutline backup list` and `cutline verify-backup --ranges` list them.',
    });
  }
  return id;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
