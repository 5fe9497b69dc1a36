// Downloads every file of a plan into a directory with bounded parallelism across files and ranges within large files.
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Random } from '../random.js';
import type { BackupStore } from '../store/backup-store.js';
import { assert } from '../assert.js';
import { restoreRangeBytes, restoreRangedGetBytesMin } from '../limits.js';
import type { PlannedFile } from './restore-plan.js';
import { chunkRanges, FileDownload, fileRanges, type TransferContext } from './file-download.js';
import type { FileCheckJob } from './file-check-pool.js';
import type { FileCheckResult } from './file-check-protocol.js';

export interface DownloadProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

export interface DownloadRequest {
  readonly store: BackupStore;
  readonly files: readonly PlannedFile[];
  /** Every file goes to `join(directory, file.targetPath)`; parent directories are created. */
  readonly directory: string;
  readonly parallelism: number;
  readonly random: Random;
  readonly signal: AbortSignal;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly rangedGetBytesMin?: number;
  readonly rangeBytes?: number;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Starts the check that follows a file as it is written (file-check-pool.ts); `path` is where the file goes. */
  readonly check: (file: PlannedFile, path: string) => FileCheckJob;
  /**
   * Called once per file after it is checked and durable. A failure (thrown or of the promise returned)
   * stops the download like any other; downloadFiles returns when every returned promise has settled.
   */
  readonly onFileDone?: (file: PlannedFile, result: FileCheckResult) => Promise<void> | undefined;
}

/**
 * Runs `parallelism` workers over the ranges of every file, in file order. Each file is checked
 * (size while streaming; SHA-256 by its check, which follows the written bytes) and fsynced when its
 * last range is in and its check agrees. The first failure stops
 * every worker; the files written so far are left for the caller to remove (they are in staging).
 */
export async function downloadFiles(request: DownloadRequest): Promise<void> {
  const rangedMin = request.rangedGetBytesMin ?? restoreRangedGetBytesMin;
  const rangeBytes = request.rangeBytes ?? restoreRangeBytes;
  // A store that copies whole files (copyToFile) needs no ranges: there is no network round trip to overlap.
  // A chunked (v2) file downloads chunk by chunk; each chunk is one object.
  const rangesOf = (file: PlannedFile): [number, number][] => {
    if (file.chunks !== undefined) return chunkRanges(file.chunks);
    return request.store.copyToFile === undefined ? fileRanges(file.sizeBytes, rangedMin, rangeBytes) : [[0, file.sizeBytes]];
  };
  const queue = request.files.flatMap((file, fileIndex) => rangesOf(file).map((_, partIndex) => ({ fileIndex, partIndex })));
  const stop = new AbortController();
  const signal = AbortSignal.any([request.signal, stop.signal]);
  const progress = {
    bytesDone: 0,
    bytesTotal: request.files.reduce((sum, file) => sum + file.sizeBytes, 0),
    filesDone: 0,
    filesTotal: request.files.length,
  };
  const context: TransferContext = {
    store: request.store,
    random: request.random,
    signal,
    ...(request.wait === undefined ? {} : { wait: request.wait }),
    ...(request.store.copyToFile === undefined ? {} : { copyToFile: request.store.copyToFile.bind(request.store) }),
    onBytes: (bytes) => {
      progress.bytesDone += bytes;
      request.onProgress?.({ ...progress });
    },
  };
  const opened = new Map<number, Promise<FileDownload>>();
  const openFile = (fileIndex: number): Promise<FileDownload> => {
    const existing = opened.get(fileIndex);
    if (existing !== undefined) return existing;
    const file = request.files[fileIndex];
    assert(file !== undefined, `file ${fileIndex} of the plan exists`);
    const path = join(request.directory, file.targetPath);
    const created = (async () => {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(path, 'wx');
      return new FileDownload(file, path, handle, rangesOf(file), request.check(file, path));
    })();
    opened.set(fileIndex, created);
    return created;
  };
  let next = 0;
  let failure: unknown;
  const fail = (error: unknown): void => {
    // The first failure is the one reported; the others are the aborts it caused.
    failure ??= error;
    stop.abort(error);
  };
  const followUps: Promise<void>[] = [];
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < queue.length) {
      const item = queue[next++];
      assert(item !== undefined, 'the queue holds the item');
      try {
        signal.throwIfAborted();
        const download = await openFile(item.fileIndex);
        if (!(await download.downloadPart(item.partIndex, context))) continue;
        const result = await download.finish();
        await download.handle.close();
        opened.delete(item.fileIndex);
        const followUp = request.onFileDone?.(download.file, result);
        if (followUp !== undefined) followUps.push(followUp.catch(fail));
        progress.filesDone += 1;
        request.onProgress?.({ ...progress });
      } catch (error) {
        fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(request.parallelism, queue.length)) }, worker));
  await Promise.all(followUps);
  await Promise.all(
    [...opened.values()].map(async (pending) => {
      const download = await pending.catch(() => undefined);
      download?.cancel();
      await download?.handle.close().catch(() => undefined);
    }),
  );
  if (failure !== undefined) throw request.signal.aborted ? (request.signal.reason as unknown) : failure;
}
