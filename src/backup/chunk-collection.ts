// Chunk collection (format v2): deleting the chunks of a partition that no IN_PROGRESS or COMPLETED manifest references, safely against backups that reuse them.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { CutlineError } from '../errors.js';
import { chunkCollectionLeaseMs } from '../limits.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import { parseManifestKey, partitionManifestsPrefix } from './backup-layout.js';
import { chunkKey, chunkPartitionPrefix, parseChunkKey } from './chunk-format.js';
import { readManifest } from './manifest-store.js';

/** While a collection of partition p runs, `collections/{p}.json` says which chunks it may delete. */
export interface CollectionRecord {
  readonly formatVersion: 1;
  readonly partitionId: number;
  /** Random, names the run in messages and tells a run its own record apart from another's. */
  readonly collectorId: string;
  readonly startedAt: string;
  readonly leaseMs: number;
  /** SHA-256s of the chunks this run may delete (empty until it has chosen them). */
  readonly condemned: readonly string[];
  /** Who collects (an engine: its host and data directory) and which process of it; see CollectorIdentity. */
  readonly owner?: string;
  readonly incarnation?: string;
}

/**
 * A collector's identity. An owner runs one process at a time (an engine owns its data directory), so a
 * record of the same owner from another incarnation was left by a process that is gone: it is stale at
 * once, not only after twice its lease, and a crash during a collection does not hold up the next one.
 */
export interface CollectorIdentity {
  readonly owner: string;
  readonly incarnation: string;
}

/** This process's incarnation. */
export const processIncarnation = randomBytes(8).toString('hex');

export function collectionRecordKey(partitionId: number): string {
  return `collections/${partitionId}.json`;
}

/**
 * The partition's collection record, or undefined when no collection runs. A record that cannot be
 * read as one condemns every chunk (`condemned: undefined`), so a writer waits rather than guesses.
 */
export async function readCollectionRecord(
  store: BackupStore,
  partitionId: number,
  options: StoreCallOptions = {},
): Promise<{ record: CollectionRecord | undefined; condemnsAll: boolean } | undefined> {
  const key = collectionRecordKey(partitionId);
  let bytes: Buffer;
  try {
    bytes = await getBytes(store, key, options);
  } catch (error) {
    if (error instanceof CutlineError && error.code === 'STORE_NOT_FOUND') return undefined;
    throw error;
  }
  const record = parseRecord(bytes, partitionId);
  return { record, condemnsAll: record === undefined };
}

export interface CollectionResult {
  /** false when another collection of the partition is running (nothing was done). */
  readonly ran: boolean;
  readonly chunksDeleted: number;
  readonly bytesFreed: number;
  readonly chunksKept: number;
}

export interface CollectOptions extends StoreCallOptions {
  readonly clock: Clock;
  readonly leaseMs?: number;
  readonly identity?: CollectorIdentity;
  /** Test hook: called between the steps of the protocol (FORMAT.md, "Chunk collection"). */
  readonly onStep?: (step: 'record-created' | 'condemned' | 'rechecked') => Promise<void> | void;
}

/**
 * One collection of partition `partitionId` (FORMAT.md, "Chunk collection"): create the record, list the
 * chunks and then every manifest's references, condemn the unreferenced chunks in the record, list the
 * references again, delete what is still unreferenced, remove the record. A backup that references a
 * chunk after the second listing finds it condemned in the record and waits until the record is gone.
 */
export async function collectChunks(store: BackupStore, partitionId: number, options: CollectOptions): Promise<CollectionResult> {
  const { clock } = options;
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const leaseMs = options.leaseMs ?? chunkCollectionLeaseMs;
  const startedMs = clock.nowMs();
  const record: CollectionRecord = {
    formatVersion: 1,
    partitionId,
    collectorId: randomBytes(8).toString('hex'),
    startedAt: new Date(startedMs).toISOString(),
    leaseMs,
    condemned: [],
    ...(options.identity === undefined ? {} : { owner: options.identity.owner, incarnation: options.identity.incarnation }),
  };
  if (!(await claimRecord(store, record, clock, call))) return { ran: false, chunksDeleted: 0, bytesFreed: 0, chunksKept: 0 };
  await options.onStep?.('record-created');
  const stored = new Map<string, number>();
  for await (const entry of store.list(chunkPartitionPrefix(partitionId), call)) {
    const chunk = parseChunkKey(entry.key);
    if (chunk?.partitionId === partitionId) stored.set(chunk.sha256, entry.sizeBytes);
  }
  const referenced = await referencedChunks(store, partitionId, call);
  const candidates = [...stored.keys()].filter((sha256) => !referenced.has(sha256));
  await putRecord(store, { ...record, condemned: candidates }, call);
  await options.onStep?.('condemned');
  // The second listing: a backup that referenced a candidate before it is seen here, and keeps it.
  const stillReferenced = await referencedChunks(store, partitionId, call);
  await options.onStep?.('rechecked');
  let chunksDeleted = 0;
  let bytesFreed = 0;
  for (const sha256 of candidates) {
    if (stillReferenced.has(sha256)) continue;
    // Past its lease a writer may take the record for stale: stop deleting, leave the record for the next run.
    if (clock.nowMs() - startedMs >= leaseMs) throw leaseExpired(partitionId, leaseMs);
    await store.delete(chunkKey(partitionId, sha256), call);
    chunksDeleted += 1;
    bytesFreed += stored.get(sha256) ?? 0;
  }
  await store.delete(collectionRecordKey(partitionId), call);
  return { ran: true, chunksDeleted, bytesFreed, chunksKept: stored.size - chunksDeleted };
}

/** Every chunk the partition's IN_PROGRESS and COMPLETED manifests (of every node) reference. */
export async function referencedChunks(store: BackupStore, partitionId: number, options: StoreCallOptions = {}): Promise<Set<string>> {
  const referenced = new Set<string>();
  for await (const entry of store.list(partitionManifestsPrefix(partitionId), options)) {
    const id = parseManifestKey(entry.key);
    if (id === undefined) continue;
    // A manifest that cannot be read might reference anything: readManifest throws, and nothing is deleted.
    const manifest = await readManifest(store, id, options);
    if (manifest.status !== 'IN_PROGRESS' && manifest.status !== 'COMPLETED') continue;
    for (const file of manifest.files) for (const chunk of file.chunks ?? []) referenced.add(chunk.sha256);
  }
  return referenced;
}

/**
 * Creates the record create-only. An existing record of a live run means another collection is
 * running (false); one older than twice its lease, or one of this owner's earlier process, belongs to a
 * run that died: it is removed, once.
 */
async function claimRecord(store: BackupStore, record: CollectionRecord, clock: Clock, options: StoreCallOptions): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await store.put(collectionRecordKey(record.partitionId), serialize(record), { ...options, ifNoneMatch: true });
      return true;
    } catch (error) {
      if (!(error instanceof CutlineError) || error.code !== 'STORE_ALREADY_EXISTS') throw error;
    }
    const existing = await readCollectionRecord(store, record.partitionId, options);
    if (existing === undefined) continue;
    const startedMs = existing.record === undefined ? Number.NEGATIVE_INFINITY : Date.parse(existing.record.startedAt);
    const leaseMs = existing.record?.leaseMs ?? 0;
    const ownersEarlierProcess =
      record.owner !== undefined && existing.record?.owner === record.owner && existing.record.incarnation !== record.incarnation;
    if (!ownersEarlierProcess && clock.nowMs() - startedMs < 2 * leaseMs) return false;
    await store.delete(collectionRecordKey(record.partitionId), options);
  }
  return false;
}

async function putRecord(store: BackupStore, record: CollectionRecord, options: StoreCallOptions): Promise<void> {
  await store.put(collectionRecordKey(record.partitionId), serialize(record), options);
}

function serialize(record: CollectionRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record)}\n`);
}

function parseRecord(bytes: Buffer, partitionId: number): CollectionRecord | undefined {
  try {
    const document = JSON.parse(bytes.toString('utf8')) as Partial<CollectionRecord> | null;
    const valid =
      document !== null &&
      document.formatVersion === 1 &&
      document.partitionId === partitionId &&
      typeof document.collectorId === 'string' &&
      typeof document.startedAt === 'string' &&
      Number.isFinite(Date.parse(document.startedAt)) &&
      Number.isSafeInteger(document.leaseMs) &&
      (document.owner === undefined || typeof document.owner === 'string') &&
      (document.incarnation === undefined || typeof document.incarnation === 'string') &&
      Array.isArray(document.condemned) &&
      document.condemned.every((sha256) => typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256));
    return valid ? (document as CollectionRecord) : undefined;
  } catch {
    return undefined;
  }
}

function leaseExpired(partitionId: number, leaseMs: number): CutlineError {
  return new CutlineError(
    'STORE_UNAVAILABLE',
    `the chunk collection of partition ${partitionId} ran past its lease of ${leaseMs} ms and stopped deleting`,
    {
      hint: 'The store is slow; the next collection finishes the work (its record is left, and is stale after twice the lease).',
    },
  );
}
