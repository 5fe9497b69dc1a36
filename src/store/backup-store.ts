// The BackupStore seam: the five operations every backup store offers, and what each does when an object is missing.
import type { Readable } from 'node:stream';

/** Every operation takes an optional abort signal; an aborted call rejects with the signal's reason. */
export interface StoreCallOptions {
  readonly signal?: AbortSignal;
}

/**
 * User metadata stored with an object (S3 `x-amz-meta-*`, a sidecar file in the filesystem store).
 * Names match /^[a-z0-9][a-z0-9-]*$/, values are printable ASCII; see validateMetadata.
 * Timestamps a reader relies on live here (or in the manifest), never in the store's LastModified.
 */
export type ObjectMetadata = Readonly<Record<string, string>>;

/**
 * A body whose bytes can be read again from the start: a store that retries a failed upload
 * calls open() once per attempt. The stream MUST yield exactly sizeBytes bytes, otherwise the
 * put fails with STORE_SIZE_MISMATCH and nothing is stored under the key.
 */
export interface StreamBody {
  readonly sizeBytes: number;
  open(): Readable;
}

export type PutBody = Uint8Array | StreamBody;

export interface PutOptions extends StoreCallOptions {
  /**
   * Create-only: store the object only if no object has the key (S3's `If-None-Match: *`);
   * otherwise fail with STORE_ALREADY_EXISTS and leave the existing object as it was.
   */
  readonly ifNoneMatch?: boolean;
  readonly metadata?: ObjectMetadata;
}

/** A byte range of an object: offsetBytes from the start, lengthBytes long (to the end when omitted). */
export interface ByteRange {
  readonly offsetBytes: number;
  readonly lengthBytes?: number;
}

export interface GetOptions extends StoreCallOptions {
  readonly range?: ByteRange;
}

export interface ListEntry {
  readonly key: string;
  readonly sizeBytes: number;
  /**
   * A token that differs whenever the object was written again with other bytes (S3: its ETag). Absent
   * where a store cannot tell (a filesystem store: an inode is reused, mtime has a coarse tick): a caller
   * that caches what it read then reads the object again.
   */
  readonly version?: string;
}

export interface ObjectInfo extends ListEntry {
  readonly metadata: ObjectMetadata;
}

/**
 * A flat key-value store of immutable-by-convention objects, the only thing backups are written to.
 * Keys follow the rules of store-key.ts (relative, `/`-separated, no `..`); an invalid key fails
 * every operation with STORE_KEY_INVALID before the store is touched. Failures of the store itself
 * are STORE_UNAVAILABLE (after the implementation's retries) or STORE_ACCESS_DENIED.
 */
export interface BackupStore {
  /** Where the store is, for messages and logs: never holds a secret. */
  readonly description: string;

  /**
   * Stores body under key, replacing an existing object unless ifNoneMatch is set. A reader never
   * sees a partly written object: either the old object, or the whole new one.
   * Missing object: not an error (that is the normal case).
   */
  put(key: string, body: PutBody, options?: PutOptions): Promise<void>;

  /**
   * Reads an object, or the byte range of it, as a stream.
   * Missing object: rejects with STORE_NOT_FOUND. A range that starts beyond the end of the
   * object rejects with STORE_RANGE_INVALID; a range that runs past the end is cut at the end.
   */
  get(key: string, options?: GetOptions): Promise<Readable>;

  /**
   * Every object whose key starts with prefix (a plain string prefix, not only whole directories),
   * in ascending key order, fetched page by page as the caller iterates.
   * Missing objects: yields nothing (an empty or absent prefix is not an error).
   */
  list(prefix: string, options?: StoreCallOptions): AsyncIterable<ListEntry>;

  /** Size and metadata of an object. Missing object: resolves to undefined. */
  head(key: string, options?: StoreCallOptions): Promise<ObjectInfo | undefined>;

  /** Removes an object. Missing object: resolves (deleting is idempotent). */
  delete(key: string, options?: StoreCallOptions): Promise<void>;

  /**
   * Optional, for stores whose objects are files: copies a whole object over the file at `path` without its
   * bytes passing through the process (the filesystem store: copy_file_range), and resolves to the bytes
   * copied. Missing object: rejects with STORE_NOT_FOUND. Restore prefers it to get when it is there.
   */
  copyToFile?(key: string, path: string, options?: StoreCallOptions): Promise<number>;
}

export function isStreamBody(body: PutBody): body is StreamBody {
  return !(body instanceof Uint8Array);
}

export function bodySizeBytes(body: PutBody): number {
  return isStreamBody(body) ? body.sizeBytes : body.byteLength;
}

/**
 * Reads a whole stream into memory: manifests, and the chunks of a chunked backup (at most chunkBytesMax each), never
 * a whole segment. The pieces a stream yields are its own (no stream here reuses a buffer it has pushed), so they are
 * viewed, not copied, and joined by one copy: a restore reads every chunk through here, on its event loop thread, where
 * a copy of each piece and then another of the whole cost a third of the time of a chunked restore of engine records.
 */
export async function readAll(stream: Readable, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    signal?.throwIfAborted();
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : asBuffer(chunk as Uint8Array));
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a whole object into memory (see readAll). Missing object: STORE_NOT_FOUND. */
export async function getBytes(store: BackupStore, key: string, options: GetOptions = {}): Promise<Buffer> {
  const stream = await store.get(key, options);
  return readAll(stream, options.signal);
}

/** Collects a listing into an array; for small prefixes (the manifests of one backup). */
export async function listAll(store: BackupStore, prefix: string, options: StoreCallOptions = {}): Promise<ListEntry[]> {
  const entries: ListEntry[] = [];
  for await (const entry of store.list(prefix, options)) entries.push(entry);
  return entries;
}
