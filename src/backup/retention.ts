// Retention: delete backups whose checkpoint is older than the window, never the newest completed one; ranges follow.
import type { EventLog } from '../event-log.js';
import type { Clock } from '../clock.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { manifestsPrefix, parseManifestKey } from './backup-layout.js';
import type { Manifest } from './manifest.js';
import { readManifest } from './manifest-store.js';
import { deleteBackup } from './backup-deletion.js';
import { collectChunks, type CollectorIdentity } from './chunk-collection.js';

/** One backup id as retention sees it: the manifests of its partitions. */
export interface RetentionCandidate {
  readonly checkpointId: number;
  readonly manifests: readonly Manifest[];
}

/**
 * The backup ids to delete at `nowMs` (pure). A backup is expired when the checkpoint of every one of
 * its partitions is older than the window. Kept whatever their age: the newest backup COMPLETED on
 * every partition, each partition's newest COMPLETED backup (so no partition loses its last restore
 * point), backups still IN_PROGRESS, and backups already DELETED everywhere.
 */
export function selectExpired(
  candidates: readonly RetentionCandidate[],
  nowMs: number,
  windowMs: number,
  partitionCount: number,
): number[] {
  const protectedIds = new Set<number>();
  const completedEverywhere = candidates.filter(
    (c) => c.manifests.length === partitionCount && c.manifests.every((m) => m.status === 'COMPLETED'),
  );
  const newestComplete = Math.max(...completedEverywhere.map((c) => c.checkpointId));
  if (Number.isFinite(newestComplete)) protectedIds.add(newestComplete);
  const newestByPartition = new Map<number, number>();
  for (const candidate of candidates) {
    for (const manifest of candidate.manifests) {
      if (manifest.status !== 'COMPLETED') continue;
      const partitionId = manifest.id.partitionId;
      newestByPartition.set(partitionId, Math.max(newestByPartition.get(partitionId) ?? 0, candidate.checkpointId));
    }
  }
  for (const id of newestByPartition.values()) protectedIds.add(id);
  return candidates
    .filter((candidate) => !protectedIds.has(candidate.checkpointId))
    .filter((candidate) => candidate.manifests.every((m) => m.status !== 'IN_PROGRESS'))
    .filter((candidate) => candidate.manifests.some((m) => m.status !== 'DELETED'))
    .filter((candidate) => candidate.manifests.every((m) => m.descriptor.checkpointTimestampMs < nowMs - windowMs))
    .map((candidate) => candidate.checkpointId)
    .sort((left, right) => left - right);
}

/** Every backup id in the store with its manifests (read once per retention run). */
export async function listRetentionCandidates(store: BackupStore, options: StoreCallOptions = {}): Promise<RetentionCandidate[]> {
  const byId = new Map<number, Manifest[]>();
  for await (const entry of store.list(manifestsPrefix, options)) {
    const id = parseManifestKey(entry.key);
    if (id === undefined) continue;
    const manifests = byId.get(id.checkpointId) ?? [];
    manifests.push(await readManifest(store, id, options));
    byId.set(id.checkpointId, manifests);
  }
  return [...byId.entries()].sort(([left], [right]) => left - right).map(([checkpointId, manifests]) => ({ checkpointId, manifests }));
}

export interface RetentionRun {
  readonly deleted: number[];
  /** Backups whose deletion failed this time (the next run tries again), with the reason. */
  readonly failed: { checkpointId: number; reason: string }[];
}

export interface RetentionOptions {
  readonly store: BackupStore;
  readonly clock: Clock;
  readonly windowMs: number;
  readonly partitionCount: number;
  /** Called after a backup is deleted in the store: the engine records BACKUP_DELETED so ranges follow. */
  readonly onDeleted: (checkpointId: number) => void;
  readonly log?: EventLog;
  readonly signal?: AbortSignal;
  /** Who collects chunks (BackupManager.collectorIdentity). */
  readonly collector?: CollectorIdentity;
}

/**
 * One retention run: lists the store, deletes every expired backup with the backup manager's deletion
 * (FORMAT.md, "Deletion"), oldest first, and reports each to the engine. A failure on one backup does
 * not stop the others.
 */
export async function runRetention(options: RetentionOptions): Promise<RetentionRun> {
  const callOptions = options.signal === undefined ? {} : { signal: options.signal };
  const candidates = await listRetentionCandidates(options.store, callOptions);
  const expired = selectExpired(candidates, options.clock.nowMs(), options.windowMs, options.partitionCount);
  const run: RetentionRun = { deleted: [], failed: [] };
  for (const checkpointId of expired) {
    try {
      await deleteBackup(options.store, checkpointId, options.clock, [], { ...callOptions, collect: false });
      run.deleted.push(checkpointId);
      options.onDeleted(checkpointId);
      options.log?.(`retention: deleted backup ${checkpointId}`, { event: 'retention-deleted', backupId: checkpointId });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      run.failed.push({ checkpointId, reason });
      options.log?.(`retention: backup ${checkpointId} not deleted: ${reason}`, {
        event: 'retention-failed',
        backupId: checkpointId,
        reason,
      });
    }
  }
  await collectEveryPartition(options);
  return run;
}

/**
 * A chunk collection of every partition: frees the chunks of the backups just deleted, and the orphans of
 * failed or interrupted backups (FORMAT.md, "Chunk collection"). A failure is logged; the next run tries again.
 */
async function collectEveryPartition(options: RetentionOptions): Promise<void> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  for (let partitionId = 1; partitionId <= options.partitionCount; partitionId++) {
    try {
      const identity = options.collector === undefined ? {} : { identity: options.collector };
      const result = await collectChunks(options.store, partitionId, { ...call, clock: options.clock, ...identity });
      if (!result.ran) options.log?.(`retention: partition ${partitionId}: another chunk collection is running; this one is skipped`);
      if (result.chunksDeleted > 0)
        options.log?.(
          `retention: partition ${partitionId}: deleted ${result.chunksDeleted} chunk(s) no backup uses (${result.bytesFreed} bytes)`,
        );
    } catch (error) {
      options.log?.(
        `retention: partition ${partitionId}: chunk collection failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
