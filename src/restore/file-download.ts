// Downloading one file of a plan: its byte ranges fetched in parallel and written in place, then its size and SHA-256 checked.
import type { FileHandle } from 'node:fs/promises';
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';
import type { Random } from '../random.js';
import { getBytes, type BackupStore } from '../store/backup-store.js';
import { isTransientStoreError } from '../store/retrying-backup-store.js';
import { backoffDelayMs, sleep } from '../store/retry.js';
import { storeRequestAttemptsMax } from '../limits.js';
import type { PlannedFile } from './restore-plan.js';
import type { FileCheckJob } from './file-check-pool.js';
import type { FileCheckResult } from './file-check-protocol.js';

/** Coalesce received chunks into writes of about this size (fewer system calls than one per network chunk). */
const writeBytesTarget = 1024 * 1024;

export interface TransferContext {
  readonly store: BackupStore;
  readonly random: Random;
  readonly signal: AbortSignal;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called with every byte count written to disk, for progress. */
  readonly onBytes: (bytes: number) => void;
  /** The store's copyToFile, when it has one: each file is then copied whole instead of streamed. */
  readonly copyToFile?: (key: string, path: string, options: { readonly signal: AbortSignal }) => Promise<number>;
}

/**
 * One file being downloaded. Its ranges arrive in any order and are written in place; a check job
 * (file-check-pool.ts) follows the written prefix of the file in a worker thread, hashing (and for a
 * segment checking) the bytes on disk in order. Nothing is held in memory beyond the coalesced writes.
 */
export class FileDownload {
  /** Bytes written of each range, from its start. */
  private readonly written: number[];
  /** The first range not yet completely written: the file is written up to it (and into it). */
  private firstIncomplete = 0;
  private prefixReported = 0;
  private partsDone = 0;

  constructor(
    readonly file: PlannedFile,
    /** Where the file is written, and the open handle to it. */
    readonly path: string,
    readonly handle: FileHandle,
    /** [offset, length] of every range, in order; one range of the whole file for small files. */
    readonly parts: readonly (readonly [number, number])[],
    private readonly check: FileCheckJob,
  ) {
    this.written = parts.map(() => 0);
  }

  /** Downloads range `index`, resuming after transient store errors; returns true when it was the file's last range. */
  async downloadPart(index: number, context: TransferContext): Promise<boolean> {
    const part = this.parts[index];
    assert(part !== undefined, `range ${index} of ${this.file.key} exists`);
    if (this.file.chunks !== undefined) return this.downloadChunk(index, context);
    if (context.copyToFile !== undefined && this.parts.length === 1) return this.copyWhole(context.copyToFile, context);
    const [offset, length] = part;
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
      this.wrote(index, flushed);
      context.onBytes(bytes);
    };
    for (let failures = 0, flushedBefore = 0; ; flushedBefore = flushed) {
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
        // Attempts are counted while they make no progress: a download that keeps moving keeps going.
        failures = flushed > flushedBefore ? 1 : failures + 1;
        if (flushed === length && isTransientStoreError(error)) break; // everything arrived before the break

        if (context.signal.aborted || !isTransientStoreError(error)) throw error;
        if (failures >= storeRequestAttemptsMax) throw this.unavailable(error, failures);
        await (context.wait ?? sleep)(backoffDelayMs(failures - 1, context.random), context.signal);
      }
    }
    this.partsDone += 1;
    return this.partsDone === this.parts.length;
  }

  /**
   * Downloads chunk `index` of a format v2 file (one whole object); a check thread decodes it (its stored
   * length, codec and decompressed length checked against the manifest) and writes it at its offset. Its
   * SHA-256 is part of the file's, which the check job computes.
   */
  private async downloadChunk(index: number, context: TransferContext): Promise<boolean> {
    const chunk = this.file.chunks?.[index];
    const part = this.parts[index];
    assert(part !== undefined, `range ${index} of ${this.file.key} exists`);
    if (chunk !== undefined) {
      const stored = await this.fetchChunk(chunk.key, context);
      await this.check.writeChunk(stored, part[0], chunk, `${chunk.key} (of ${this.file.targetPath})`);
      this.wrote(index, chunk.sizeBytes);
      context.onBytes(chunk.sizeBytes);
    }
    this.partsDone += 1;
    return this.partsDone === this.parts.length;
  }

  /** One chunk object, retried after transient store errors like every other download. */
  private async fetchChunk(key: string, context: TransferContext): Promise<Buffer> {
    for (let failures = 1; ; failures++) {
      try {
        return await getBytes(context.store, key, { signal: context.signal });
      } catch (error) {
        if (context.signal.aborted || !isTransientStoreError(error)) throw error;
        if (failures >= storeRequestAttemptsMax) throw this.unavailable(error, failures);
        await (context.wait ?? sleep)(backoffDelayMs(failures - 1, context.random), context.signal);
      }
    }
  }

  /** Copies the whole file with the store's copyToFile (its bytes never pass through this process) and checks its size. */
  private async copyWhole(copyToFile: NonNullable<TransferContext['copyToFile']>, context: TransferContext): Promise<boolean> {
    const bytes = await copyToFile(this.file.key, this.path, { signal: context.signal });
    if (bytes !== this.file.sizeBytes) throw this.sizeMismatch(bytes > this.file.sizeBytes ? 'more' : 'fewer');
    this.wrote(0, bytes);
    context.onBytes(bytes);
    this.partsDone = 1;
    return true;
  }

  /** Waits for the check of the complete file, compares its SHA-256, then makes the file durable. */
  async finish(): Promise<FileCheckResult> {
    assert(this.partsDone === this.parts.length, `every range of ${this.file.key} was written`);
    const result = await this.check.result;
    if (result.sha256 !== this.file.sha256) {
      throw new CutlineError(
        'RESTORE_CHECKSUM',
        `${this.file.key} has SHA-256 ${result.sha256}, but its manifest lists ${this.file.sha256} (for ${this.file.targetPath})`,
        {
          hint: 'The object in the store is damaged or was replaced; run `cutline verify-backup --level checksum`, and restore from another backup id.',
        },
      );
    }
    await this.handle.sync();
    return result;
  }

  /** Stops the file's check (the download failed). */
  cancel(): void {
    this.check.cancel();
  }

  /** Records that range `index` is written `bytes` from its start, and tells the check how far the file is written. */
  private wrote(index: number, bytes: number): void {
    this.written[index] = bytes;
    for (
      let part = this.parts[this.firstIncomplete];
      part !== undefined && this.written[this.firstIncomplete] === part[1];
      part = this.parts[this.firstIncomplete]
    ) {
      this.firstIncomplete += 1;
    }
    const incomplete = this.parts[this.firstIncomplete];
    const prefix = incomplete === undefined ? this.file.sizeBytes : incomplete[0] + (this.written[this.firstIncomplete] ?? 0);
    if (prefix <= this.prefixReported) return;
    this.prefixReported = prefix;
    this.check.advance(prefix);
  }

  private async stream(
    offsetBytes: number,
    lengthBytes: number,
    context: TransferContext,
    onChunk: (chunk: Buffer) => Promise<void>,
  ): Promise<void> {
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

  private unavailable(error: unknown, attempts: number): CutlineError {
    const reason = error instanceof Error ? error.message : String(error);
    return new CutlineError(
      'STORE_UNAVAILABLE',
      `downloading ${this.file.key} failed ${attempts} times in a row without progress; the last error: ${reason}`,
      {
        cause: error,
        hint: 'The store is unreachable or overloaded; run the restore again when it answers (the data directory was left as found).',
      },
    );
  }

  private sizeMismatch(what: 'more' | 'fewer'): CutlineError {
    return new CutlineError(
      'RESTORE_CHECKSUM',
      `${this.file.key} holds ${what} bytes than the ${this.file.sizeBytes} its manifest lists (for ${this.file.targetPath})`,
      {
        hint: 'The object in the store was truncated or replaced; run `cutline verify-backup --level presence`, and restore from another backup id.',
      },
    );
  }
}

/** The ranges of a chunked (v2) file: one per chunk, at the offsets their lengths add up to; one empty range for an empty file. */
export function chunkRanges(chunks: readonly { readonly sizeBytes: number }[]): [number, number][] {
  const ranges: [number, number][] = [];
  let offset = 0;
  for (const chunk of chunks) {
    ranges.push([offset, chunk.sizeBytes]);
    offset += chunk.sizeBytes;
  }
  return ranges.length === 0 ? [[0, 0]] : ranges;
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
