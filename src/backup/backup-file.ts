// Reading the bytes of one file of a partition backup, whichever format wrote it: one object (v1) or its chunks in order (v2).
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import { contentKey, type BackupId } from './backup-layout.js';
import { chunkKey, decodeChunk } from './chunk-format.js';
import { storedChunks, type ManifestFile } from './manifest.js';

/**
 * The file's bytes, piece by piece: a v1 file streamed from its object, a v2 file chunk after chunk,
 * each decoded and checked against its manifest entry (stored length, codec, decompressed length) but
 * not hashed: callers that need the SHA-256 of a chunk or of the file compute it from what they get.
 */
export async function* readBackupFile(
  store: BackupStore,
  id: BackupId,
  file: ManifestFile,
  options: StoreCallOptions = {},
): AsyncGenerator<Buffer> {
  if (file.chunks === undefined) {
    for await (const chunk of await store.get(contentKey(id, file.path), options)) yield Buffer.from(chunk as Uint8Array);
    return;
  }
  for (const chunk of storedChunks(file)) {
    const key = chunkKey(id.partitionId, chunk.sha256);
    yield await decodeChunk(await getBytes(store, key, options), chunk, `${key} (of ${file.path})`);
  }
}

/** A whole backup file in memory: for tests and small files only. */
export async function readBackupFileBytes(
  store: BackupStore,
  id: BackupId,
  file: ManifestFile,
  options: StoreCallOptions = {},
): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of readBackupFile(store, id, file, options)) pieces.push(piece);
  return Buffer.concat(pieces);
}
