// The commit protocol of store format v2: the manifest references every chunk before any is relied on, and is COMPLETED last.
import type { Clock } from '../clock.js';
import { ConcurrencyLimiter } from '../concurrency-limiter.js';
import { assert } from '../assert.js';
import type { BackupStore } from '../store/backup-store.js';
import type { BackupId } from './backup-layout.js';
import type { ChunkCodec } from '../store/chunk-codec.js';
import { storeChunks, type StoredChunkInfo } from './chunk-upload.js';
import type { ChunkedFile } from './chunking.js';
import { createManifest, updateManifest, type UploadOptions } from './manifest-store.js';
import { newManifest, type Manifest, type ManifestFile } from './manifest.js';
import type { ManifestDescriptor } from '../protocol/backup-descriptor.js';

export interface ChunkedUploadOptions extends UploadOptions {
  readonly codec: ChunkCodec;
  /** Chunks the writer knows how they are stored (ChunkMemory), so reusing them costs no read. */
  readonly known?: ReadonlyMap<string, StoredChunkInfo>;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 3 (the default): `chunk` returns a command index for every segment; 2: no index (backups written before version 3). */
  readonly formatVersion?: 2 | 3;
}

/**
 * FORMAT.md "Write ordering", format v2 and v3: W1 create the IN_PROGRESS manifest (create-only); W2 chunk
 * every file (`chunk`, run only once the id is claimed) and overwrite the manifest, still IN_PROGRESS,
 * with every chunk it references; W3-W4 store the chunks (storeChunks); W5 the COMPLETED manifest.
 * Any failure marks the manifest FAILED (its chunks then belong to no backup, and the next collection
 * removes those no other manifest references); an abort writes nothing more, as a crash would not.
 */
export async function uploadChunkedBackup(
  store: BackupStore,
  id: BackupId,
  descriptor: ManifestDescriptor,
  chunk: () => Promise<readonly ChunkedFile[]>,
  clock: Clock,
  options: ChunkedUploadOptions,
): Promise<{ manifest: Manifest; files: readonly ChunkedFile[] }> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  await createManifest(store, newManifest(id, descriptor, clock, options.formatVersion ?? 3), call);
  try {
    const files = await chunk();
    await updateManifest(store, id, 'IN_PROGRESS', clock, { files: files.map((file) => file.file) }, call);
    const { stored, addedBytes } = await storeChunks(
      files.flatMap((file) => file.locations),
      {
        store,
        partitionId: id.partitionId,
        codec: options.codec,
        limiter: options.limiter ?? new ConcurrencyLimiter(1),
        clock,
        known: options.known ?? new Map(),
        ...call,
        ...(options.wait === undefined ? {} : { wait: options.wait }),
      },
    );
    const completed = files.map((file) => withStorage(file.file, stored));
    const manifest = await updateManifest(store, id, 'COMPLETED', clock, { files: completed, addedBytes }, call);
    return { manifest, files };
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    await updateManifest(store, id, 'FAILED', clock, { failureReason: reason }).catch(() => undefined);
    throw error;
  }
}

function withStorage(file: ManifestFile, stored: ReadonlyMap<string, StoredChunkInfo>): ManifestFile {
  return {
    ...file,
    chunks: (file.chunks ?? []).map((chunk) => {
      const info = stored.get(chunk.sha256);
      assert(info !== undefined, `chunk ${chunk.sha256} of ${file.path} was stored`);
      return { sha256: chunk.sha256, sizeBytes: chunk.sizeBytes, storedBytes: info.storedBytes, codec: info.codec };
    }),
  };
}
