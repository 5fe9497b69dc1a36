// A pass-through that fails with STORE_SIZE_MISMATCH when a body is longer or shorter than declared.
import { Transform, type Readable } from 'node:stream';
import { CutlineError } from '../errors.js';

/** Pipes source through a byte counter; the error surfaces on the returned stream (and in the upload). */
export function sizeCheckingStream(source: Readable, sizeBytes: number, key: string): Readable {
  let seenBytes = 0;
  const mismatch = (what: string): CutlineError =>
    new CutlineError('STORE_SIZE_MISMATCH', `the body for ${key} held ${what} the declared ${sizeBytes} bytes; nothing was stored`);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback): void {
      seenBytes += chunk.length;
      callback(seenBytes > sizeBytes ? mismatch('more than') : null, chunk);
    },
    flush(callback): void {
      callback(seenBytes === sizeBytes ? null : mismatch(`${seenBytes} bytes, not`));
    },
  });
  source.on('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}
