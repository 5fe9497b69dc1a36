// Stitching the segments of consecutive backups of one partition: a later backup's copy of a segment must extend the earlier copy byte for byte.
import * as fs from 'node:fs';
import { CutlineError } from '../errors.js';

const compareChunkBytes = 1024 * 1024;

/**
 * Checks that `later` holds every byte of `earlier` at the same offsets (so every record of the
 * overlap is identical: frames carry their position and CRC) and is at least as long. A segment only
 * grows by appends between two backups, so anything else means the backups are not of one log.
 * Returns whether `later` is longer (the caller then keeps it).
 */
export function checkSegmentExtends(earlierPath: string, laterPath: string, describe: () => string): boolean {
  const earlierBytes = fs.statSync(earlierPath).size;
  const laterBytes = fs.statSync(laterPath).size;
  if (laterBytes < earlierBytes)
    throw mismatch(`${describe()}: the later copy is ${laterBytes} bytes, shorter than the earlier copy's ${earlierBytes}`);
  const earlier = fs.openSync(earlierPath, 'r');
  const later = fs.openSync(laterPath, 'r');
  try {
    const left = Buffer.alloc(compareChunkBytes);
    const right = Buffer.alloc(compareChunkBytes);
    for (let offset = 0; offset < earlierBytes; offset += compareChunkBytes) {
      const length = Math.min(compareChunkBytes, earlierBytes - offset);
      const readLeft = fs.readSync(earlier, left, 0, length, offset);
      const readRight = fs.readSync(later, right, 0, length, offset);
      const differs = readLeft !== length || readRight !== length || !left.subarray(0, length).equals(right.subarray(0, length));
      if (differs)
        throw mismatch(
          `${describe()}: the copies differ within bytes ${offset}..${offset + length - 1}, so the overlapping records are not identical`,
        );
    }
  } finally {
    fs.closeSync(earlier);
    fs.closeSync(later);
  }
  return laterBytes > earlierBytes;
}

function mismatch(message: string): CutlineError {
  return new CutlineError('RESTORE_STITCH', message, {
    hint: 'The backups of the chain are not of one log (a foreign or damaged backup); run `cutline verify-backup --level full` and restore to a point on one side of the backup.',
  });
}
