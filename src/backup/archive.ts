// Backup archives: one tar holding a whole backup id (every partition's manifest and contents), and exporting one from a store.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { CutlineError } from '../errors.js';
import { getBytes, type BackupStore, type StoreCallOptions } from '../store/backup-store.js';
import { contentKey, formatBackupId, manifestKey } from './backup-layout.js';
import { serializeManifest, type Manifest } from './manifest.js';
import { listBackupManifests } from './manifest-store.js';
import { archiveChunks, checkChunkBytes } from './archive-chunks.js';
import { refuseDuplicateBackups } from './duplicate-backups.js';

/** The first entry of every archive; it says what follows. */
export const archiveHeaderName = 'cutline-archive.json';
/** 1: files under contents/ only; 2: also the chunks of format v2 backups. Importers read both. */
export const archiveFormatVersions = [1, 2] as const;

export interface ArchiveHeader {
  readonly formatVersion: (typeof archiveFormatVersions)[number];
  readonly checkpointId: number;
  readonly manifestCount: number;
  /** Files the manifests list, and their bytes (uncompressed). */
  readonly fileCount: number;
  readonly totalBytes: number;
  /** Version 2: chunk entries, and their stored bytes. */
  readonly chunkCount?: number;
  readonly chunkBytes?: number;
}

export interface ArchiveSummary {
  readonly checkpointId: number;
  readonly partitionIds: readonly number[];
  readonly fileCount: number;
  readonly totalBytes: number;
}

/**
 * The manifests of a backup id that an archive (or a restore) can use: the COMPLETED one of every
 * partition, all partitions present. Anything else is BACKUP_INCOMPLETE naming the partition; a
 * partition two nodes completed is PARTITION_DUPLICATE, as restore and verify-backup see it.
 */
export async function completedBackupManifests(
  store: BackupStore,
  checkpointId: number,
  options: StoreCallOptions = {},
): Promise<Manifest[]> {
  const manifests = await listBackupManifests(store, checkpointId, options);
  refuseDuplicateBackups(manifests, checkpointId);
  const completed = new Map<number, Manifest>();
  for (const manifest of manifests)
    if (manifest.status === 'COMPLETED' && !completed.has(manifest.id.partitionId)) completed.set(manifest.id.partitionId, manifest);
  for (const manifest of manifests) {
    if (!completed.has(manifest.id.partitionId)) {
      const reason = manifest.failureReason === null ? '' : `: ${manifest.failureReason}`;
      throw new CutlineError(
        'BACKUP_INCOMPLETE',
        `backup ${checkpointId} of ${formatBackupId(manifest.id)} is ${manifest.status}${reason}`,
      );
    }
  }
  const partitionCount = manifests[0]?.descriptor.partitionCount ?? 0;
  if (completed.size !== partitionCount) {
    throw new CutlineError(
      'BACKUP_INCOMPLETE',
      `backup ${checkpointId} names ${partitionCount} partitions but only partitions ${[...completed.keys()].join(', ')} have a manifest`,
    );
  }
  return [...completed.values()];
}

/**
 * Writes the archive of one backup id to outPath: the header, every manifest, then every file in
 * manifest order, each checked against its manifest's size and SHA-256 as it streams. The tar is
 * written under a temporary name and renamed at the end, so outPath never holds half an archive.
 */
export async function exportBackup(
  store: BackupStore,
  checkpointId: number,
  outPath: string,
  options: StoreCallOptions = {},
): Promise<ArchiveSummary> {
  const manifests = await completedBackupManifests(store, checkpointId, options);
  const files = manifests.flatMap((manifest) => manifest.files.map((file) => ({ manifest, file })));
  const totalBytes = files.reduce((sum, { file }) => sum + file.sizeBytes, 0);
  const chunks = archiveChunks(manifests);
  const chunkBytes = chunks.reduce((sum, chunk) => sum + chunk.ref.storedBytes, 0);
  const header: ArchiveHeader =
    chunks.length === 0
      ? { formatVersion: 1, checkpointId, manifestCount: manifests.length, fileCount: files.length, totalBytes }
      : {
          formatVersion: 2,
          checkpointId,
          manifestCount: manifests.length,
          fileCount: files.length,
          totalBytes,
          chunkCount: chunks.length,
          chunkBytes,
        };
  const temporary = `${outPath}.tmp-${randomBytes(6).toString('hex')}`;
  const pack = tar.pack();
  const written = pipeline(
    pack,
    createWriteStream(temporary, { flags: 'wx' }),
    options.signal === undefined ? {} : { signal: options.signal },
  );
  // Handled here so an early failure is not reported as unhandled; it is awaited below.
  written.catch(() => undefined);
  try {
    await addEntry(pack, archiveHeaderName, Buffer.from(`${JSON.stringify(header, null, 2)}\n`));
    for (const manifest of manifests) await addEntry(pack, manifestKey(manifest.id), serializeManifest(manifest));
    for (const chunk of chunks) {
      const stored = await getBytes(store, chunk.key, options);
      await checkChunkBytes(chunk, stored, 'in the store');
      await addEntry(pack, chunk.key, stored);
    }
    for (const { manifest, file } of files) {
      if (file.chunks !== undefined) continue;
      const key = contentKey(manifest.id, file.path);
      const source = await store.get(key, options);
      const entry = pack.entry({ name: key, size: file.sizeBytes, mode: 0o644, mtime: new Date(0) });
      await pipeline(source, verifyingStream(key, file.sizeBytes, file.sha256, 'in the store'), entry);
    }
    pack.finalize();
    await written;
    await rename(temporary, outPath);
  } catch (error) {
    pack.destroy();
    await written.catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  return { checkpointId, partitionIds: manifests.map((manifest) => manifest.id.partitionId), fileCount: files.length, totalBytes };
}

/** A pass-through that fails with ARCHIVE_CHECKSUM unless exactly sizeBytes bytes with this SHA-256 go through. */
export function verifyingStream(key: string, sizeBytes: number, sha256: string, where: string): Transform {
  const hash = createHash('sha256');
  let seenBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback): void {
      seenBytes += chunk.length;
      hash.update(chunk);
      callback(seenBytes > sizeBytes ? mismatch(key, where, `more than its ${sizeBytes} bytes`) : null, chunk);
    },
    flush(callback): void {
      if (seenBytes !== sizeBytes) return callback(mismatch(key, where, `${seenBytes} bytes, not the ${sizeBytes} its manifest lists`));
      const actual = hash.digest('hex');
      callback(actual === sha256 ? null : mismatch(key, where, `SHA-256 ${actual}, not the ${sha256} its manifest lists`));
    },
  });
}

function mismatch(key: string, where: string, what: string): CutlineError {
  return new CutlineError('ARCHIVE_CHECKSUM', `${key} ${where} has ${what}`, {
    hint: 'The backup is damaged: run cutline verify-backup on it, or use another backup.',
  });
}

function addEntry(pack: tar.Pack, name: string, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: bytes.length, mode: 0o644, mtime: new Date(0) }, bytes, (error) => (error ? reject(error) : resolve()));
  });
}
