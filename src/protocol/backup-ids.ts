// Backup ids: strictly greater than every checkpoint or backup id used before; generated from the clock when omitted.
import type { Clock } from '../clock.js';
import { CutlineError } from '../errors.js';

/**
 * The id of a new backup. `highestUsedId` is the highest id any partition has processed or been asked
 * for, or any manifest in the store carries; checkpoint ids live in the partitions' durable state, so the
 * rule holds across restarts and after a backup was deleted. An omitted id is the clock's milliseconds
 * (Zeebe's habit: ids then tell when a backup was taken), or the next id when the clock is behind.
 */
export function chooseBackupId(requested: unknown, highestUsedId: number, clock: Clock): number {
  if (requested === undefined) return Math.max(clock.nowMs(), highestUsedId + 1);
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 1) {
    throw new CutlineError('USAGE', `a backup id must be a positive integer, got ${JSON.stringify(requested) ?? typeof requested}`, {
      hint: 'Omit the id to have one generated from the clock.',
    });
  }
  if (requested <= highestUsedId) {
    throw new CutlineError(
      'BACKUP_ID_CONFLICT',
      `backup id ${requested} is not greater than ${highestUsedId}, the highest checkpoint or backup id used so far`,
      {
        hint: `Ids are never reused, even after a backup was deleted: pass an id above ${highestUsedId}, or omit it.`,
      },
    );
  }
  return requested;
}
