// Storing the chunks a backup references (format v2): wait out a collection that condemns one, reuse what is stored, upload the rest.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ConcurrencyLimiter } from '../concurrency-limiter.js';
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';
import { chunkCollectionWaitMsMax } from '../limits.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import { sleep } from '../store/retry.js';
import { chunkHeaderBytes, chunkKey, chunkPartitionPrefix, encodeChunk, parseChunkKey, readChunkHeader } from './chunk-format.js';
import type { ChunkCodec } from '../store/chunk-codec.js';
import { readCollectionRecord } from './chunk-collection.js';
import type { ChunkLocation } from './chunking.js';

/** How a stored chunk is stored, as a writer learns it (from its own uploads, a manifest, or the chunk's header). */
export interface StoredChunkInfo {
  readonly storedBytes: number;
  readonly codec: ChunkCodec;
}

export interface ChunkUploadOptions extends StoreCallOptions {
  readonly store: BackupStore;
  readonly partitionId: number;
  readonly codec: ChunkCodec;
  readonly limiter: ConcurrencyLimiter;
  readonly clock: Clock;
  /** Chunks the writer knows how they are stored (from its last backups), so reusing them costs no read. */
  readonly known: ReadonlyMap<string, StoredChunkInfo>;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly waitMsMax?: number;
}

export interface StoredChunks {
  /** How every chunk of the backup is stored. */
  readonly stored: ReadonlyMap<string, StoredChunkInfo>;
  /** The stored bytes of the chunks this backup uploaded. */
  readonly addedBytes: number;
}

/**
 * Steps W3 and W4 of FORMAT.md "Write ordering" (v2), run after the IN_PROGRESS manifest references
 * every chunk: wait while a collection condemns one of them, then list the partition's chunks, reuse
 * those present and upload the others create-only (compressed, each re-hashed as it is read).
 */
export async function storeChunks(locations: readonly ChunkLocation[], options: ChunkUploadOptions): Promise<StoredChunks> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const wanted = new Map<string, ChunkLocation>();
  for (const location of locations) if (!wanted.has(location.sha256)) wanted.set(location.sha256, location);
  await waitForCollection(new Set(wanted.keys()), options);
  const present = new Map<string, number>();
  for await (const entry of options.store.list(chunkPartitionPrefix(options.partitionId), call)) {
    const chunk = parseChunkKey(entry.key);
    if (chunk !== undefined && wanted.has(chunk.sha256)) present.set(chunk.sha256, entry.sizeBytes);
  }
  const stored = new Map<string, StoredChunkInfo>();
  let addedBytes = 0;
  // After the first failure no upload starts, and the caller hears of it only once every running one has
  // ended: the backup is marked FAILED (and its files closed) only when nothing of it can still land.
  let failure: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    [...wanted.values()].map((location) =>
      options.limiter
        .run(async () => {
          options.signal?.throwIfAborted();
          if (failure !== undefined) return;
          const size = present.get(location.sha256);
          if (size !== undefined) {
            stored.set(location.sha256, await existingChunk(location.sha256, size, options));
            return;
          }
          const uploaded = await uploadChunk(location, options);
          stored.set(location.sha256, uploaded.info);
          addedBytes += uploaded.added ? uploaded.info.storedBytes : 0;
        })
        .catch((error: unknown) => {
          failure ??= { error };
          throw error;
        }),
    ),
  );
  if (failure !== undefined) throw failure.error;
  assert(
    settled.every((result) => result.status === 'fulfilled'),
    'every chunk task that failed recorded its failure',
  );
  return { stored, addedBytes };
}

/** Waits until no collection record of the partition condemns a chunk the backup references (W3). */
async function waitForCollection(wanted: ReadonlySet<string>, options: ChunkUploadOptions): Promise<void> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const startedMs = options.clock.nowMs();
  for (let attempt = 0; ; attempt++) {
    const found = await readCollectionRecord(options.store, options.partitionId, call);
    const conflict = found !== undefined && (found.condemnsAll || (found.record?.condemned ?? []).some((sha256) => wanted.has(sha256)));
    if (!conflict) return;
    const waitedMs = options.clock.nowMs() - startedMs;
    if (waitedMs >= (options.waitMsMax ?? chunkCollectionWaitMsMax)) {
      throw new CutlineError(
        'CHUNK_COLLECTION_BUSY',
        `partition ${options.partitionId}: a chunk collection condemns chunks this backup reuses, and it did not finish within ${waitedMs} ms`,
        {
          hint: 'A collection that died leaves its record (collections/{partitionId}.json); the next collection removes it once it is older than twice its lease.',
        },
      );
    }
    await (options.wait ?? sleep)(Math.min(100 * 2 ** attempt, 5_000), options.signal);
  }
}

/** A chunk found in the listing: its codec from what the writer knows, else from its header. */
async function existingChunk(sha256: string, storedBytes: number, options: ChunkUploadOptions): Promise<StoredChunkInfo> {
  const known = options.known.get(sha256);
  if (known?.storedBytes === storedBytes) return known;
  const key = chunkKey(options.partitionId, sha256);
  const header = await getBytes(options.store, key, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    range: { offsetBytes: 0, lengthBytes: chunkHeaderBytes },
  });
  return { storedBytes, codec: readChunkHeader(header, key).codec };
}

async function uploadChunk(location: ChunkLocation, options: ChunkUploadOptions): Promise<{ info: StoredChunkInfo; added: boolean }> {
  const raw = await chunkBytes(location);
  // The address is the content: bytes that changed since they were hashed would poison every backup that shares the chunk.
  const sha256 = createHash('sha256').update(raw).digest('hex');
  if (sha256 !== location.sha256) {
    throw new CutlineError(
      'LOG_CORRUPT',
      `a file changed while it was backed up: bytes ${location.offsetBytes}..${location.offsetBytes + location.sizeBytes - 1} hash to ${sha256}, not ${location.sha256}`,
      {
        hint: 'Backed-up bytes must not change; run `cutline log verify`. The backup was not taken.',
      },
    );
  }
  const encoded = await encodeChunk(raw, options.codec);
  const key = chunkKey(options.partitionId, sha256);
  try {
    await options.store.put(key, encoded.bytes, { ...(options.signal === undefined ? {} : { signal: options.signal }), ifNoneMatch: true });
  } catch (error) {
    // Another backup stored the same content meanwhile: that object serves, however it is stored.
    if (!(error instanceof CutlineError) || error.code !== 'STORE_ALREADY_EXISTS') throw error;
    const info = await options.store.head(key, options.signal === undefined ? {} : { signal: options.signal });
    if (info === undefined) throw error;
    return { info: await existingChunk(sha256, info.sizeBytes, { ...options, known: new Map() }), added: false };
  }
  return { info: { storedBytes: encoded.bytes.length, codec: encoded.codec }, added: true };
}

async function chunkBytes(location: ChunkLocation): Promise<Buffer> {
  const { offsetBytes, sizeBytes } = location;
  if ('bytes' in location) return location.bytes.subarray(offsetBytes, offsetBytes + sizeBytes);
  const raw = Buffer.allocUnsafe(sizeBytes);
  const { bytesRead } = await location.handle.read(raw, 0, sizeBytes, offsetBytes);
  assert(bytesRead === sizeBytes, `a chunk's bytes are readable (${bytesRead} of ${sizeBytes})`);
  return raw;
}
