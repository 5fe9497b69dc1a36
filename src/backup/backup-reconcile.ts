// What a (re)starting node does about its partition's backups: fail interrupted ones, confirm unconfirmed ones, take lost ones.
import type { EventLog } from '../event-log.js';
import type { Clock } from '../clock.js';
import { isCutlineError } from '../errors.js';
import type { CreatedCheckpoint } from '../engine/backup-hook.js';
import type { Partition } from '../engine/partition.js';
import { isBackupType } from '../engine/records.js';
import type { BackupStore } from '../store/backup-store.js';
import { parseManifestKey, partitionManifestsPrefix, type BackupId } from './backup-layout.js';
import { backupReconcileRetryMsMax } from '../limits.js';
import { sleep } from '../store/retry.js';
import type { Manifest } from './manifest.js';
import { failBackup, readManifest } from './manifest-store.js';
import type { BackupOutcome } from './backup-outcome.js';

export const interruptedReason = 'interrupted: the node stopped or restarted before the backup completed';

export interface ReconcileContext {
  readonly store: BackupStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly nodeId: number;
  /** Backup checkpoints processed during the partition's recovery, before the manager could pin them. */
  readonly notified: readonly CreatedCheckpoint[];
  isActive(checkpointId: number): boolean;
  begin(checkpoint: CreatedCheckpoint): void;
  confirm(outcome: BackupOutcome, checkpointPosition: number): void;
}

/**
 * Brings one partition's backups to a final state after its start, from its durable state and the
 * store: an IN_PROGRESS manifest nobody is writing becomes FAILED (FORMAT.md, "Write ordering" rule 4);
 * a COMPLETED or FAILED backup of this partition's history without a BACKUP_CONFIRMED record gets one;
 * and a backup checkpoint without any manifest (its notification was lost in a crash between the commit
 * and the hook, or arrived during recovery) is taken now.
 */
export async function reconcilePartition(context: ReconcileContext): Promise<void> {
  const { partition, store, clock } = context;
  const confirmed = new Set(partition.confirmedBackups().map((backup) => backup.checkpointId));
  const state = partition.state();
  const manifests = await readPartitionManifests(store, partition.partitionId, context.nodeId);
  for (const manifest of manifests) {
    const checkpointId = manifest.id.checkpointId;
    if (context.isActive(checkpointId)) continue;
    const current = manifest.status === 'IN_PROGRESS' ? await failInterrupted(store, manifest, clock) : manifest;
    // Manifests of ids after the partition's checkpoint belong to another history (the log was restored to an earlier backup).
    if (checkpointId > state.checkpointId || confirmed.has(checkpointId)) continue;
    if (current.status === 'COMPLETED' || current.status === 'FAILED') {
      const outcome = { partitionId: partition.partitionId, checkpointId, status: current.status, reason: current.failureReason };
      context.confirm(outcome, current.descriptor.checkpointPosition);
    }
  }
  const withManifest = new Set(manifests.map((manifest) => manifest.id.checkpointId));
  const candidates = [...context.notified];
  if (state.checkpointId > 0 && isBackupType(state.checkpointType)) {
    candidates.push({
      partitionId: partition.partitionId,
      checkpointId: state.checkpointId,
      checkpointPosition: state.checkpointPosition,
      checkpointType: state.checkpointType,
    });
  }
  for (const checkpoint of candidates) {
    const id = checkpoint.checkpointId;
    if (confirmed.has(id) || withManifest.has(id) || context.isActive(id)) continue;
    context.begin(checkpoint);
  }
}

/**
 * Marks an interrupted backup FAILED. The manager may mark it FAILED itself meanwhile (ensureFailed, after
 * the backup failed while the store was failing): a manifest that became final under us is taken as stored.
 */
async function failInterrupted(store: BackupStore, manifest: Manifest, clock: Clock): Promise<Manifest> {
  try {
    return await failBackup(store, manifest.id, interruptedReason, clock);
  } catch (error) {
    if (!isCutlineError(error) || error.code !== 'MANIFEST_TRANSITION') throw error;
    return readManifest(store, manifest.id);
  }
}

/** Every manifest this node wrote for the partition; one that does not parse is skipped (verify-backup reports it). */
async function readPartitionManifests(store: BackupStore, partitionId: number, nodeId: number): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for await (const entry of store.list(partitionManifestsPrefix(partitionId))) {
    const id = parseManifestKey(entry.key);
    if (id === undefined || id.partitionId !== partitionId || id.nodeId !== nodeId) continue;
    try {
      manifests.push(await readManifest(store, id));
    } catch (error) {
      if (!(isCutlineError(error) && (error.code === 'MANIFEST_INVALID' || error.code === 'MANIFEST_VERSION'))) throw error;
    }
  }
  return manifests;
}

export interface EnsureFailedOptions {
  readonly store: BackupStore;
  readonly clock: Clock;
  readonly id: BackupId;
  readonly reason: string;
  readonly signal: AbortSignal;
  /** The first wait before a retry, doubling up to backupReconcileRetryMsMax. */
  readonly retryMs: number;
  readonly log?: EventLog;
}

/**
 * After a backup failed: makes sure its manifest is not left IN_PROGRESS. The writer's own FAILED write
 * fails when the store keeps failing, and an IN_PROGRESS manifest would stay so until the next start:
 * retention would keep the backup and its chunks, and `backup delete` refuse it. So the manifest is read
 * and, if still IN_PROGRESS, marked FAILED, retried with doubling waits until the store answers or the
 * signal (the manager closing) aborts. No manifest at all needs nothing.
 */
export async function ensureFailed(options: EnsureFailedOptions): Promise<void> {
  const { store, id, signal } = options;
  for (let waitMs = options.retryMs; ; waitMs = Math.min(waitMs * 2, backupReconcileRetryMsMax)) {
    try {
      const manifest = await readManifest(store, id, { signal });
      if (manifest.status !== 'IN_PROGRESS') return;
      await failBackup(store, id, options.reason, options.clock, { signal });
      options.log?.(`backup ${id.checkpointId}: partition ${id.partitionId} marked FAILED in the store after its failure`);
      return;
    } catch (error) {
      if (signal.aborted || (isCutlineError(error) && error.code === 'STORE_NOT_FOUND')) return;
    }
    await sleep(waitMs, signal);
  }
}
