// Argument checks and formatting shared by the `cutline backup` subcommands.
import { CutlineError } from '../../errors.js';

/** A backup id is a non-negative safe integer; anything else is a USAGE error naming the value. */
export function requireBackupId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CutlineError('USAGE', `--backupId must be a non-negative integer, got ${String(value)}`, { hint: 'Backup ids are the checkpoint ids the engine assigned.' });
  }
  return value;
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
