// Downloading one file of a plan: its byte ranges fetched in parallel, written in place, hashed in order, size and SHA-256 checked.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';
import type { Random } from '../random.js';
import type { BackupStore } from '../store/backup-store.js';
import { isTransientStoreError } from '../store/retrying-backup-store.js';
import { backoffDelayMs, sleep } from '../store/retry.js';
import { storeRequestAttemptsMax } from '../limits.js';
import type { PlannedFile } from './restore-plan.js';

/** Coalesce received chunks into writes of about this size (fewer system calls than one per network chunk). */
const writeBytesTarget = 1024 * 1024;

export interface TransferContext {
  readonly store: BackupStore;
  readonly random: Random;
  readonly signal: AbortSignal;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called with every byte count written to disk, for progress. */
  readonly onBytes: (bytes: number) => void;
}

/**
 * One file being downloaded. Its ranges may arrive in any order, but SHA-256 must see the bytes in
 * order: the range at the hash cursor hashes its bytes as they stream in; a later range keeps its
 * bytes in memory until the cursor reaches it. Workers take ranges in file order, so the range at
 * the cursor is always being downloaded and the memory held is bounded by the ranges in flight.
 */
export class FileDownload {
  private readonly hash: Hash = createHash('sha256');
  private hashedParts = 0;
  private readonly turnWaiters = new Map<number, () => void>();
  private partsDone = 0;

  constructor(
    readonly file: PlannedFile,
    readonly handle: FileHandle,
    /** [offset, length] of every range, in order; one range of the whole file for small files. */
    readonly parts: readonly (readonly [number, number])[],
  ) {}

  /** Downloads range `index`, resuming after transient store errors; returns true when it was the file's last range. */
  async downloadPart(index: number, context: TransferContext): Promise<boolean> {
    const part = this.parts[index];
    assert(part !== undefined, `range ${index} of ${this.file.key} exists`);
    const [offset, length] = part;
    const held: Buffer[] = [];
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let flushed = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const chunks = pending.splice(0);
      const bytes = pendingBytes;
      pendingBytes = 0;
      await writeFully(this.handle, chunks, bytes, offset + flushed);
      flushed += bytes;
      // Once the cursor reaches this range, what it held goes first, then bytes are hashed as they come.
      if (this.hashedParts === index) {
        for (const earlier of held) this.hash.update(earlier);
        held.length = 0;
        for (const chunk of chunks) this.hash.update(chunk);
      } else {
        held.push(...chunks);
      }
      context.onBytes(bytes);
    };
    for (let failures = 0; ; ) {
      try {
        // After a transient failure the download resumes at the first byte not yet received.
        await this.stream(offset + flushed, length - flushed, context, async (chunk) => {
          if (flushed + pendingBytes + chunk.length > length) throw this.sizeMismatch('more');
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= writeBytesTarget) await flush();
        });
        await flush();
        if (flushed < length) throw this.sizeMismatch('fewer');
        break;
      } catch (error) {
        await flush();
        failures += 1;
        if (flushed === length && isTransientStoreError(error)) break; // everything arrived before the break

        if (context.signal.aborted || !isTransientStoreError(error) || failures >= storeRequestAttemptsMax) throw error;
        await (context.wait ?? sleep)(backoffDelayMs(failures - 1, context.random), context.signal);
      }
    }
    await this.waitForTurn(index, context.signal);
    for (const bytes of held) this.hash.update(bytes);
    this.hashedParts = index + 1;
    this.turnWaiters.get(index + 1)?.();
    this.partsDone += 1;
    return this.partsDone === this.parts.length;
  }

  /** Checks the SHA-256 of the complete file, then makes it durable. */
  async finish(): Promise<void> {
    assert(this.hashedParts === this.parts.length, `every range of ${this.file.key} was hashed`);
    const actual = this.hash.digest('hex');
    if (actual !== this.file.sha256) {
      throw new CutlineError('RESTORE_CHECKSUM', `${this.file.key} has SHA-256 ${actual}, but its manifest lists ${this.file.sha256} (for ${this.file.targetPath})`, {
        hint: 'The object in the store is damaged or was replaced; run `cutline verify-backup --level checksum`, and restore from another backup id.',
      });
    }
    await this.handle.sync();
  }

  private async stream(offsetBytes: number, lengthBytes: number, context: TransferContext, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    // A whole small file is one plain GET; a range (or the rest after a broken download) a ranged GET.
    const whole = offsetBytes === 0 && lengthBytes === this.file.sizeBytes;
    const range = whole ? undefined : { offsetBytes, lengthBytes };
    const source = await context.store.get(this.file.key, { signal: context.signal, ...(range === undefined ? {} : { range }) });
    try {
      for await (const chunk of source) {
        context.signal.throwIfAborted();
        await onChunk(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      }
    } finally {
      source.destroy();
    }
  }

  private sizeMismatch(what: 'more' | 'fewer'): CutlineError {
    return new CutlineError('RESTORE_CHECKSUM', `${this.file.key} holds ${what} bytes than the ${this.file.sizeBytes} its manifest lists (for ${this.file.targetPath})`, {
      hint: 'The object in the store was truncated or replaced; run `cutline verify-backup --level presence`, and restore from another backup id.',
    });
  }

  private waitForTurn(index: number, signal: AbortSignal): Promise<void> {
    if (this.hashedParts === index) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      this.turnWaiters.set(index, () => {
        signal.removeEventListener('abort', onAbort);
        this.turnWaiters.delete(index);
        resolve();
      });
    });
  }
}

/** The ranges of a file: one when it is at most `rangedGetBytesMin`, else `rangeBytes` pieces. */
export function fileRanges(sizeBytes: number, rangedGetBytesMin: number, rangeBytes: number): [number, number][] {
  if (sizeBytes <= rangedGetBytesMin) return [[0, sizeBytes]];
  const ranges: [number, number][] = [];
  for (let offset = 0; offset < sizeBytes; offset += rangeBytes) ranges.push([offset, Math.min(rangeBytes, sizeBytes - offset)]);
  return ranges;
}

/** One positional writev of the chunks (no copy into one buffer), continued after a short write. */
async function writeFully(handle: FileHandle, chunks: Buffer[], totalBytes: number, position: number): Promise<void> {
  let { bytesWritten } = await handle.writev(chunks, position);
  while (bytesWritten < totalBytes) {
    const rest = Buffer.concat(chunks).subarray(bytesWritten);
    const next = await handle.write(rest, 0, rest.length, position + bytesWritten);
    bytesWritten += next.bytesWritten;
  }
}
