// A StreamBody over the first sizeBytes of a file: how a segment is uploaded only up to its durable length.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { assert } from '../assert.js';
import type { StreamBody } from './backup-store.js';

/**
 * Reads bytes [0, sizeBytes) of the file on every open(), even if the file has grown since:
 * a segment still being written is copied only up to the length that was durable when the
 * backup began. (createReadStream's `end` is inclusive, and `end: -1` would read everything.)
 */
export function fileStreamBody(path: string, sizeBytes: number): StreamBody {
  assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, `file body size must be a non-negative integer, got ${sizeBytes}`);
  return {
    sizeBytes,
    open: () =>
      sizeBytes === 0 ? Readable.from([]) : createReadStream(path, { start: 0, end: sizeBytes - 1, highWaterMark: 1024 * 1024 }),
  };
}
