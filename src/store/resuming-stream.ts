// A download stream that survives a broken connection by asking again for the bytes it has not yet received.
import { PassThrough, type Readable } from 'node:stream';
import type { Random } from '../random.js';
import { backoffDelayMs, sleep } from './retry.js';

export interface ResumeOptions {
  /** Opens the object again from an absolute offset (the store checks it is the same object). */
  readonly reopen: (offsetBytes: number) => Promise<Readable>;
  /** Offset of the first byte the first stream yields, and of the byte after the last one wanted. */
  readonly startBytes: number;
  readonly endExclusiveBytes: number;
  readonly attemptsMax: number;
  readonly isTransient: (error: unknown) => boolean;
  readonly random: Random;
  readonly signal?: AbortSignal;
  /** What the reader gets when the stream fails for good (not by an abort): the store's own error for it. */
  readonly finalError?: (error: unknown) => Error;
}

/**
 * The SDK retries a request until its response starts; a body that breaks off halfway is the
 * caller's problem. This stream counts the bytes it passed on and, on a transient failure,
 * re-requests the rest with a ranged GET after a backoff, so a restore of a large segment does
 * not start over. A failure that is not transient, or too many of them, ends the stream with it.
 */
export function resumingStream(first: Readable, options: ResumeOptions): Readable {
  const output = new PassThrough();
  // This stream is fed before anyone reads it, so an error can come first. Without a listener
  // it would be an uncaught 'error' event that kills the process; with one it stays on the
  // stream (stream.errored) and reaches the reader's async iteration or pipeline.
  output.on('error', () => undefined);
  let offset = options.startBytes;
  const run = async (): Promise<void> => {
    let source = first;
    for (let failures = 0; ;) {
      try {
        for await (const chunk of source) {
          const bytes = chunk as Buffer;
          offset += bytes.length;
          if (!output.write(bytes)) await drainedOrClosed(output);
          // The reader went away (destroyed the stream): stop downloading.
          if (output.destroyed) {
            source.destroy();
            return;
          }
        }
        if (offset !== options.endExclusiveBytes)
          throw Object.assign(new Error('the body ended early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
        output.end();
        return;
      } catch (error) {
        failures += 1;
        if (options.signal?.aborted === true || !options.isTransient(error) || failures >= options.attemptsMax) throw error;
        await sleep(backoffDelayMs(failures - 1, options.random), options.signal);
        source = await options.reopen(offset);
      }
    }
  };
  run().catch((error: unknown) => {
    if (options.finalError !== undefined && options.signal?.aborted !== true) return output.destroy(options.finalError(error));
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return output;
}

function drainedOrClosed(stream: PassThrough): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
