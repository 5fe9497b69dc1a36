// The chunks of format v2 backups in an archive: which ones an archive holds, and checking and storing one on import.
import { createHash } from 'node:crypto';
import { CutlineError } from '../errors.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import { chunkKey, decodeChunk, type StoredChunkRef } from './chunk-format.js';
import { isChunked, storedChunks, type Manifest } from './manifest.js';

/** A chunk an archive holds: its key (also its entry name), its partition, and what the manifests say of it. */
export interface ArchiveChunk {
  readonly key: string;
  readonly partitionId: number;
  readonly ref: StoredChunkRef;
}

/** Every distinct chunk the manifests reference, in manifest and file order (each once). */
export function archiveChunks(manifests: readonly Manifest[]): ArchiveChunk[] {
  const chunks = new Map<string, ArchiveChunk>();
  for (const manifest of manifests) {
    if (!isChunked(manifest)) continue;
    for (const file of manifest.files) {
      for (const ref of storedChunks(file)) {
        const key = chunkKey(manifest.id.partitionId, ref.sha256);
        const known = chunks.get(key);
        if (known !== undefined && (known.ref.storedBytes !== ref.storedBytes || known.ref.codec !== ref.codec)) {
          throw new CutlineError('MANIFEST_INVALID', `the manifests disagree on how chunk ${key} is stored`);
        }
        if (known === undefined) chunks.set(key, { key, partitionId: manifest.id.partitionId, ref });
      }
    }
  }
  return [...chunks.values()];
}

/** A chunk's stored bytes, decoded and hashed: CHUNK_CORRUPT or ARCHIVE_CHECKSUM unless they are what the manifests say. */
export async function checkChunkBytes(chunk: ArchiveChunk, stored: Buffer, where: string): Promise<void> {
  const raw = await decodeChunk(stored, chunk.ref, `${chunk.key} ${where}`);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  if (sha256 !== chunk.ref.sha256) {
    throw new CutlineError('ARCHIVE_CHECKSUM', `${chunk.key} ${where} decompresses to bytes with SHA-256 ${sha256}, not its address`, {
      hint: 'The backup is damaged: run cutline verify-backup on it, or use another backup.',
    });
  }
}

/**
 * Stores a checked chunk create-only. A chunk the store already holds, stored as the manifest says,
 * serves as it is (returns false: this import did not add it); one stored otherwise cannot serve the
 * imported manifest and is refused, never replaced (other manifests rely on it as it is).
 */
export async function storeArchiveChunk(
  store: BackupStore,
  chunk: ArchiveChunk,
  stored: Buffer,
  options: StoreCallOptions,
): Promise<boolean> {
  try {
    await store.put(chunk.key, stored, { ...options, ifNoneMatch: true });
    return true;
  } catch (error) {
    if (!(error instanceof CutlineError) || error.code !== 'STORE_ALREADY_EXISTS') throw error;
  }
  const existing = await getBytes(store, chunk.key, options);
  if (!existing.equals(stored)) {
    await checkChunkBytes(chunk, existing, 'in the store').catch((cause: unknown) => {
      throw new CutlineError(
        'ARCHIVE_INVALID',
        `${store.description} already holds chunk ${chunk.key}, stored otherwise than the archive's manifests say`,
        {
          cause,
          hint: 'Import into another store or prefix, or delete the backups that use the chunk there first.',
        },
      );
    });
  }
  return false;
}
