// A BackupStore wrapper that retries transient failures with backoff, re-opening bodies and resuming broken downloads.
import type { Readable } from 'node:stream';
import { CutlineError, isCutlineError } from '../errors.js';
import type { Random } from '../random.js';
import { storeRequestAttemptsMax } from '../limits.js';
import type { BackupStore, GetOptions, ListEntry, ObjectInfo, PutBody, PutOptions, StoreCallOptions } from './backup-store.js';
import { resolveRange } from './store-key.js';
import { backoffDelayMs, sleep } from './retry.js';
import { resumingStream } from './resuming-stream.js';

/** STORE_UNAVAILABLE and broken connections are worth another attempt; everything else is final. */
export function isTransientStoreError(error: unknown): boolean {
  if (isCutlineError(error)) return error.code === 'STORE_UNAVAILABLE';
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code);
}

/**
 * Retries any store's transient failures: a put re-opens its StreamBody for every attempt, a
 * download that breaks off resumes from the byte it reached (ranged get) if the object still has the
 * size and version it had when the read began (else STORE_OBJECT_CHANGED), a listing restarts
 * and skips the keys it already yielded. Create-only puts are retried too: if an earlier attempt did
 * store the object, the retry reports STORE_ALREADY_EXISTS, which the caller must read as
 * "maybe mine" (see FORMAT.md, "Write ordering").
 */
export class RetryingBackupStore implements BackupStore {
  readonly description: string;

  constructor(
    private readonly inner: BackupStore,
    private readonly random: Random,
    private readonly attemptsMax = storeRequestAttemptsMax,
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {
    this.description = inner.description;
  }

  put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    return this.retry(options.signal, () => this.inner.put(key, body, options));
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    for (let attempt = 1; ; attempt++) {
      const info = await this.head(key, options);
      if (info === undefined) throw new CutlineError('STORE_NOT_FOUND', `object ${key} does not exist in ${this.description}`);
      const { start, endExclusive } = resolveRange(key, options.range ?? { offsetBytes: 0 }, info.sizeBytes);
      // Every GET is followed by a HEAD that must still show the object the range came from: else the bytes it
      // brings may belong to an object that replaced it. The first is then read again (nothing passed on yet); a
      // resumed one ends the read with STORE_OBJECT_CHANGED, never with mixed bytes.
      const open = async (offsetBytes: number): Promise<Readable> => {
        const range = { offsetBytes, lengthBytes: endExclusive - offsetBytes };
        const stream = await this.retry(options.signal, () => this.inner.get(key, { ...options, range })).catch(async (error: unknown) => {
          // A range the object no longer has, or no object: say that it changed, when it did (a failing HEAD says nothing).
          const now = await this.head(key, options).catch(() => info);
          throw sameObject(now, info) ? error : changedError(key, this.description);
        });
        if (sameObject(await this.head(key, options), info)) return stream;
        stream.destroy();
        throw changedError(key, this.description);
      };
      let first: Readable;
      try {
        first = await open(start);
      } catch (error) {
        if (isCutlineError(error) && error.code === 'STORE_OBJECT_CHANGED' && attempt < this.attemptsMax) continue;
        throw error;
      }
      if (endExclusive === start) return first;
      return resumingStream(first, {
        reopen: open,
        startBytes: start,
        endExclusiveBytes: endExclusive,
        attemptsMax: this.attemptsMax,
        isTransient: isTransientStoreError,
        random: this.random,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
  }

  async *list(prefix: string, options: StoreCallOptions = {}): AsyncIterable<ListEntry> {
    // A restarted listing skips what was already yielded (by key, not by order: some S3-compatible
    // servers do not list in byte order).
    const yielded = new Set<string>();
    for (let failures = 0; ;) {
      try {
        for await (const entry of this.inner.list(prefix, options)) {
          if (yielded.has(entry.key)) continue;
          yielded.add(entry.key);
          yield entry;
        }
        return;
      } catch (error) {
        failures += 1;
        if (options.signal?.aborted === true || !isTransientStoreError(error) || failures >= this.attemptsMax) throw error;
        await this.wait(backoffDelayMs(failures - 1, this.random), options.signal);
      }
    }
  }

  head(key: string, options: StoreCallOptions = {}): Promise<ObjectInfo | undefined> {
    return this.retry(options.signal, () => this.inner.head(key, options));
  }

  delete(key: string, options: StoreCallOptions = {}): Promise<void> {
    return this.retry(options.signal, () => this.inner.delete(key, options));
  }

  private async retry<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let failures = 0; ;) {
      try {
        return await attempt();
      } catch (error) {
        failures += 1;
        if (signal?.aborted === true || !isTransientStoreError(error) || failures >= this.attemptsMax) throw error;
        await this.wait(backoffDelayMs(failures - 1, this.random), signal);
      }
    }
  }
}

/**
 * Whether the object is still the one a read began on: same size and, where the store gives one, same version. A
 * store without versions (the filesystem store) cannot tell a replacement of the same size apart.
 */
function sameObject(now: ObjectInfo | undefined, then: ObjectInfo): boolean {
  return now !== undefined && now.sizeBytes === then.sizeBytes && now.version === then.version;
}

function changedError(key: string, where: string): CutlineError {
  return new CutlineError('STORE_OBJECT_CHANGED', `object ${key} in ${where} was replaced or deleted while it was read`, {
    hint: 'Something wrote to the store during the read: run the command again.',
  });
}
