// The --data-dir value of `engine start` and `restore`: an empty one is refused instead of being read as the current directory.
import { CutlineError } from '../errors.js';

/**
 * path.resolve('') is the current directory, so `--data-dir ''` (an unset shell variable, an empty
 * config value) would start an engine or restore a backup wherever the command happens to run.
 * The current directory stays available, but only when asked for by name (`.`).
 */
export function requireDataDirectory(value: string): string {
  if (value.trim() !== '') return value;
  throw new CutlineError('USAGE', `--data-dir is empty (${JSON.stringify(value)})`, {
    hint: 'Pass the data directory by name; for the current directory, pass --data-dir . explicitly.',
  });
}
