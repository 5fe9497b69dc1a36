// Manifests in a store: create-only writes, status changes, the commit protocol, and finding a backup's manifests.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { Clock } from '../clock.js';
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';
import { ConcurrencyLimiter } from '../concurrency-limiter.js';
import { manifestReadParallelism } from '../limits.js';
import type { BackupStore, StoreCallOptions, StreamBody } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import { contentKey, manifestKey, manifestsPrefix, parseManifestKey, partitionManifestsPrefix, type BackupId } from './backup-layout.js';
import {
  newManifest,
  parseManifest,
  serializeManifest,
  transitionManifest,
  type Manifest,
  type ManifestChange,
  type ManifestFile,
  type ManifestStatus,
} from './manifest.js';
import type { ManifestDescriptor } from '../protocol/backup-descriptor.js';

/** Reads and validates one manifest. Missing: STORE_NOT_FOUND. */
export async function readManifest(store: BackupStore, id: BackupId, options: StoreCallOptions = {}): Promise<Manifest> {
  const key = manifestKey(id);
  const manifest = parseManifest(await getBytes(store, key, options), key);
  if (manifest.id.partitionId !== id.partitionId || manifest.id.checkpointId !== id.checkpointId || manifest.id.nodeId !== id.nodeId) {
    throw new CutlineError('MANIFEST_INVALID', `manifest ${key} names another backup (${JSON.stringify(manifest.id)})`);
  }
  return manifest;
}

/**
 * Writes a manifest only if none exists for its id; an existing one is STORE_ALREADY_EXISTS.
 * A retried create whose first attempt was stored (its answer lost) finds its own bytes: that
 * is success, not a reused id.
 */
export async function createManifest(store: BackupStore, manifest: Manifest, options: StoreCallOptions = {}): Promise<void> {
  const key = manifestKey(manifest.id);
  const bytes = serializeManifest(manifest);
  try {
    await store.put(key, bytes, { ...options, ifNoneMatch: true, metadata: manifestMetadata(manifest) });
  } catch (error) {
    if (!(error instanceof CutlineError) || error.code !== 'STORE_ALREADY_EXISTS') throw error;
    const stored = await getBytes(store, key, options).catch(() => undefined);
    if (stored === undefined || !stored.equals(bytes)) throw error;
  }
}

/**
 * Moves the stored manifest to a new status (and file list). Only the node that owns the
 * partition's backup writes its manifest (the node id is part of the key), so read-then-write is safe.
 */
export async function updateManifest(
  store: BackupStore,
  id: BackupId,
  status: ManifestStatus,
  clock: Clock,
  change: ManifestChange = {},
  options: StoreCallOptions = {},
): Promise<Manifest> {
  const next = transitionManifest(await readManifest(store, id, options), status, clock, change);
  await store.put(manifestKey(id), serializeManifest(next), { ...options, metadata: manifestMetadata(next) });
  return next;
}

/** A file to back up: its path in the manifest and a body that can be re-read for retries. */
export interface BackupFileSource {
  readonly path: string;
  readonly body: StreamBody;
}

/** How uploadBackup runs: an abort signal, and a limiter shared by every upload of the process. */
export interface UploadOptions extends StoreCallOptions {
  readonly limiter?: ConcurrencyLimiter;
}

/**
 * The commit protocol of format v1 (FORMAT.md, "Write ordering"), where each file is one object under
 * `contents/`. The backup manager writes v2 (chunked-backup.ts); this writer makes v1 stores, which every
 * cutline keeps reading: create the IN_PROGRESS manifest (create-only,
 * so a backup id is never reused), upload every file while hashing it (up to the limiter's number at
 * once), and only then write the COMPLETED manifest listing each file's size and SHA-256. Any failure
 * marks the manifest FAILED with the reason (when the store still answers) and is rethrown; an abort
 * writes nothing more, as a crash would not, and the writer's next start marks the manifest FAILED.
 */
export async function uploadBackup(
  store: BackupStore,
  id: BackupId,
  descriptor: ManifestDescriptor,
  sources: readonly BackupFileSource[],
  clock: Clock,
  options: UploadOptions = {},
): Promise<Manifest> {
  const callOptions = options.signal === undefined ? {} : { signal: options.signal };
  await createManifest(store, newManifest(id, descriptor, clock, 1), callOptions);
  // The first failure aborts the uploads still running, so a failed backup stops using the store at once.
  const failed = new AbortController();
  const signal = options.signal === undefined ? failed.signal : AbortSignal.any([options.signal, failed.signal]);
  const limiter = options.limiter ?? new ConcurrencyLimiter(1);
  try {
    // Every upload has settled before the manifest changes, so no put lands after the FAILED manifest.
    const settled = await Promise.allSettled(
      sources.map((source) =>
        limiter
          .run(async (): Promise<ManifestFile> => {
            signal.throwIfAborted();
            const sha256 = await putHashed(store, contentKey(id, source.path), source.body, { signal });
            return { path: source.path, sizeBytes: source.body.sizeBytes, sha256 };
          })
          .catch((error: unknown) => {
            failed.abort(error);
            throw error;
          }),
      ),
    );
    const rejected = settled.find((result) => result.status === 'rejected');
    if (rejected !== undefined) throw failed.signal.reason ?? rejected.reason;
    const files = settled.map((result) => (result as PromiseFulfilledResult<ManifestFile>).value);
    return await updateManifest(store, id, 'COMPLETED', clock, { files }, callOptions);
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    await updateManifest(store, id, 'FAILED', clock, { failureReason: reason }).catch(() => undefined);
    throw error;
  }
}

/** Marks a backup's manifest FAILED, e.g. when a node finds it IN_PROGRESS after a restart. */
export async function failBackup(
  store: BackupStore,
  id: BackupId,
  reason: string,
  clock: Clock,
  options: StoreCallOptions = {},
): Promise<Manifest> {
  return updateManifest(store, id, 'FAILED', clock, { failureReason: reason }, options);
}

/**
 * Marks every IN_PROGRESS backup of one partition written by nodeId as FAILED: after a crash or
 * restart no upload is running, so such a backup can never complete. Returns the ids it failed.
 */
export async function failInterruptedBackups(
  store: BackupStore,
  partitionId: number,
  nodeId: number,
  clock: Clock,
  options: StoreCallOptions = {},
): Promise<BackupId[]> {
  const failed: BackupId[] = [];
  for await (const entry of store.list(partitionManifestsPrefix(partitionId), options)) {
    const id = parseManifestKey(entry.key);
    if (id === undefined || id.nodeId !== nodeId) continue;
    if ((await readManifest(store, id, options)).status !== 'IN_PROGRESS') continue;
    await failBackup(store, id, 'the node restarted while the backup was in progress', clock, options);
    failed.push(id);
  }
  return failed;
}

/** Every manifest key of one backup id across partitions (and nodes), ordered by partition, then node. */
export async function listBackupManifestKeys(
  store: BackupStore,
  checkpointId: number,
  options: StoreCallOptions = {},
): Promise<{ key: string; id: BackupId }[]> {
  const found: { key: string; id: BackupId }[] = [];
  for await (const entry of store.list(manifestsPrefix, options)) {
    const id = parseManifestKey(entry.key);
    if (id !== undefined && id.checkpointId === checkpointId) found.push({ key: entry.key, id });
  }
  return found.sort((left, right) => left.id.partitionId - right.id.partitionId || left.id.nodeId - right.id.nodeId);
}

/** Reads and validates every manifest of one backup id; none found is BACKUP_NOT_FOUND. */
export async function listBackupManifests(store: BackupStore, checkpointId: number, options: StoreCallOptions = {}): Promise<Manifest[]> {
  const keys = await listBackupManifestKeys(store, checkpointId, options);
  if (keys.length === 0) {
    throw new CutlineError('BACKUP_NOT_FOUND', `no partition has a manifest for backup ${checkpointId} in ${store.description}`, {
      hint: 'List the backups in the store, and check --store points at the right bucket and prefix.',
    });
  }
  const manifests: Manifest[] = [];
  for (const { id } of keys) manifests.push(await readManifest(store, id, options));
  return manifests;
}

/**
 * Manifests read before, with the version their listing showed (ListEntry.version): a later listing
 * showing the same version needs no read. Only for manifests whose store gives versions; it holds the
 * manifests of the last listing only.
 */
export class ManifestCache {
  private entries = new Map<string, { readonly version: string; readonly manifest: Manifest }>();

  /** The cached manifest of `key` if its version is still `version`. */
  lookup(key: string, version: string | undefined): Manifest | undefined {
    const entry = this.entries.get(key);
    return version !== undefined && entry?.version === version ? entry.manifest : undefined;
  }

  /** Replaces the cache with the manifests of one listing. */
  replace(entries: ReadonlyMap<string, { readonly version: string; readonly manifest: Manifest }>): void {
    this.entries = new Map(entries);
  }
}

/**
 * Every manifest in the store, by backup id, from one listing of `manifests/`; those not in `cache` at
 * the version listed are read, `manifestReadParallelism` at a time. (listBackupManifests lists the whole
 * prefix for one id: over every id of a store that made listing 1,000 backups take minutes.)
 */
export async function readAllManifests(
  store: BackupStore,
  options: StoreCallOptions = {},
  cache?: ManifestCache,
): Promise<Map<number, Manifest[]>> {
  const listed: { key: string; id: BackupId; version: string | undefined }[] = [];
  for await (const entry of store.list(manifestsPrefix, options)) {
    const id = parseManifestKey(entry.key);
    if (id !== undefined) listed.push({ key: entry.key, id, version: entry.version });
  }
  listed.sort(
    (left, right) =>
      left.id.checkpointId - right.id.checkpointId || left.id.partitionId - right.id.partitionId || left.id.nodeId - right.id.nodeId,
  );
  const limiter = new ConcurrencyLimiter(manifestReadParallelism);
  const manifests = await Promise.all(
    listed.map(({ key, id, version }) => {
      const cached = cache?.lookup(key, version);
      return cached === undefined ? limiter.run(() => readManifest(store, id, options)) : Promise.resolve(cached);
    }),
  );
  const byBackup = new Map<number, Manifest[]>();
  const cached = new Map<string, { version: string; manifest: Manifest }>();
  for (const [index, manifest] of manifests.entries()) {
    const { key, version } = listed[index] ?? {};
    if (key !== undefined && version !== undefined) cached.set(key, { version, manifest });
    const list = byBackup.get(manifest.id.checkpointId);
    if (list === undefined) byBackup.set(manifest.id.checkpointId, [manifest]);
    else list.push(manifest);
  }
  cache?.replace(cached);
  return byBackup;
}

/** Every backup id that has at least one manifest in the store, ascending. */
export async function listBackupIds(store: BackupStore, options: StoreCallOptions = {}): Promise<number[]> {
  const ids = new Set<number>();
  for await (const entry of store.list(manifestsPrefix, options)) {
    const id = parseManifestKey(entry.key);
    if (id !== undefined) ids.add(id.checkpointId);
  }
  return [...ids].sort((left, right) => left - right);
}

// Object metadata repeats the manifest's times for tools that only look at headers (never LastModified).
function manifestMetadata(manifest: Manifest): Record<string, string> {
  return { 'cutline-status': manifest.status, 'cutline-created-at': manifest.createdAt, 'cutline-modified-at': manifest.modifiedAt };
}

async function putHashed(store: BackupStore, key: string, body: StreamBody, options: StoreCallOptions): Promise<string> {
  let digest = '';
  const hashed: StreamBody = {
    sizeBytes: body.sizeBytes,
    // Each attempt re-reads the file and hashes it anew, so the digest is of the bytes last sent.
    // The digest is taken when the last of sizeBytes passes, not when the source ends: a store answers
    // once it has that many bytes (S3 does), and a file stream sees its end only one read later.
    open: () => {
      const hash = createHash('sha256');
      let hashedBytes = 0;
      digest = body.sizeBytes === 0 ? hash.digest('hex') : '';
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback): void {
          hashedBytes += chunk.length;
          if (hashedBytes > body.sizeBytes) {
            callback(
              new CutlineError(
                'STORE_SIZE_MISMATCH',
                `the body for ${key} held more than the declared ${body.sizeBytes} bytes; nothing was stored`,
              ),
            );
            return;
          }
          hash.update(chunk);
          if (hashedBytes === body.sizeBytes) digest = hash.digest('hex');
          callback(null, chunk);
        },
      });
      const source = body.open();
      source.on('error', (error) => tap.destroy(error));
      return source.pipe(tap);
    },
  };
  await store.put(key, hashed, options);
  assert(digest.length === 64, `the store stored ${key} without reading its body to the end`);
  return digest;
}
