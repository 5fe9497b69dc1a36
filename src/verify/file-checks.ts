// The presence and checksum checks: every listed file exists with its size (HEAD), and its SHA-256 matches (streamed).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentKey } from '../backup/backup-layout.js';
import type { ManifestFile } from '../backup/manifest.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { verifyFileParallelism } from '../limits.js';
import type { Finding, VerifyLevel } from './findings.js';
import type { PartitionBackup } from './manifest-checks.js';

/** A listed file copied to the local disk for the full checks. */
export interface DownloadedFile {
  readonly file: ManifestFile;
  readonly key: string;
  readonly localPath: string;
  /** SHA-256 of the bytes downloaded (lower-case hex). */
  readonly sha256: string;
}

export interface FileCheckResult {
  readonly findings: Finding[];
  /** Every listed file that exists in the store, when a download directory was given. */
  readonly downloaded: DownloadedFile[];
}

/**
 * Checks each file of a partition backup at the level asked for. With a download directory (the full
 * level) every existing file is copied there while it is hashed, so the bytes are read from the store once.
 */
export async function checkFiles(
  store: BackupStore,
  backup: PartitionBackup,
  level: VerifyLevel,
  downloadDirectory: string | undefined,
  options: StoreCallOptions = {},
): Promise<FileCheckResult> {
  const findings: Finding[] = [];
  const downloaded: DownloadedFile[] = [];
  const { checkpointId: backupId, partitionId } = backup.id;
  await forEachBounded(backup.manifest.files, verifyFileParallelism, async (file) => {
    const key = contentKey(backup.id, file.path);
    const info = await store.head(key, options);
    if (info === undefined) {
      findings.push({
        code: 'FILE_MISSING',
        backupId,
        partitionId,
        path: key,
        message: `${key} is listed in ${backup.key} but is not in the store`,
      });
      return;
    }
    const sizeMatches = info.sizeBytes === file.sizeBytes;
    if (!sizeMatches) {
      findings.push({
        code: 'FILE_SIZE_MISMATCH',
        backupId,
        partitionId,
        path: key,
        message: `${key} is ${info.sizeBytes} bytes; the manifest lists ${file.sizeBytes}`,
      });
    }
    if (level === 'presence') return;
    const localPath = downloadDirectory === undefined ? undefined : join(downloadDirectory, file.path);
    const sha256 = await hashObject(store, key, localPath, options);
    if (localPath !== undefined) downloaded.push({ file, key, localPath, sha256 });
    // A file of the wrong size cannot match its checksum: one finding says it.
    if (sizeMatches && sha256 !== file.sha256) {
      findings.push({
        code: 'FILE_CHECKSUM_MISMATCH',
        backupId,
        partitionId,
        path: key,
        message: `${key} has SHA-256 ${sha256}; the manifest lists ${file.sha256}`,
      });
    }
  });
  return { findings, downloaded };
}

/** Streams an object through SHA-256, writing it to localPath when given; returns the hex digest. */
export async function hashObject(
  store: BackupStore,
  key: string,
  localPath: string | undefined,
  options: StoreCallOptions,
): Promise<string> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback): void {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  let sink: Writable;
  if (localPath === undefined) {
    sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  } else {
    await mkdir(dirname(localPath), { recursive: true });
    sink = createWriteStream(localPath, { flags: 'wx' });
  }
  await pipeline(await store.get(key, options), tap, sink, options.signal === undefined ? {} : { signal: options.signal });
  return hash.digest('hex');
}

/** Runs body over items with at most `parallelism` in flight; the first failure rejects after the others settle. */
export async function forEachBounded<T>(items: readonly T[], parallelism: number, body: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(parallelism, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await body(item);
    }
  });
  const results = await Promise.allSettled(workers);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
