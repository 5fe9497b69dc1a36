// The cluster's backup services in one place: the checkpoint scheduler, retention on its cleanup schedule, metadata.json sync.
import type { EventLog } from '../event-log.js';
import type { Clock } from '../clock.js';
import type { Cluster } from '../engine/cluster.js';
import type { BackupConfig } from '../protocol/backup-config.js';
import { ClusterCheckpointSchedulers, clusterCheckpointTrigger, type CheckpointTrigger } from '../engine/checkpoint-scheduler.js';
import type { BackupStore } from '../store/backup-store.js';
import type { BackupManager } from './backup-manager.js';
import { metadataFingerprint, partitionMetadataOf, writePartitionMetadata } from './backup-metadata.js';
import { listRetentionCandidates, runRetention, type RetentionRun } from './retention.js';
import { backupRuntimeState, type BackupRuntimeState } from './backup-runtime-state.js';

export interface ContinuousBackupsOptions {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly config: BackupConfig;
  /** Without a manager (no store), scheduled backup checkpoints are still created, but nobody uploads them. */
  readonly manager?: BackupManager;
  readonly log?: EventLog;
}

/** Markers go straight to the partitions; backups through the manager, whose id rule also sees the store. */
export function managerCheckpointTrigger(manager: BackupManager, cluster: Cluster, clock: Clock): CheckpointTrigger {
  const markers = clusterCheckpointTrigger(cluster, clock);
  return (checkpointType) => (checkpointType === 'MARKER' ? markers(checkpointType) : manager.takeBackup(undefined, checkpointType));
}

/**
 * Ticked by the engine's loop. Retention runs on the node whose scheduler is active (as Zeebe registers
 * both on the same broker), every cleanup schedule, the first time one schedule after it became active.
 */
export class ContinuousBackups {
  readonly schedulers: ClusterCheckpointSchedulers;
  private retentionNode: number | undefined;
  private retentionDeletedCount = 0;

  /** Backups retention deleted since the process started (GET /metrics). */
  get retentionDeleted(): number {
    return this.retentionDeletedCount;
  }
  private nextRetentionMs: number | undefined;
  private readonly written = new Map<number, string>();

  constructor(private readonly options: ContinuousBackupsOptions) {
    const { cluster, clock, config, manager } = options;
    this.schedulers = new ClusterCheckpointSchedulers({
      cluster,
      clock,
      config,
      trigger: manager === undefined ? clusterCheckpointTrigger(cluster, clock) : managerCheckpointTrigger(manager, cluster, clock),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
  }

  get store(): BackupStore | undefined {
    return this.options.manager?.store;
  }

  /** Scheduler, then retention when due, then metadata.json of every partition whose content changed. */
  async tick(): Promise<void> {
    await this.schedulers.tick();
    await this.storeWork();
  }

  /**
   * The part of a tick that works on the store on every tick (retention when due, metadata.json), apart
   * from the scheduler, so the engine can back it off while the store fails (services-ticker.ts) and still
   * emit markers, which need no store.
   */
  async storeWork(): Promise<void> {
    await this.retentionIfDue();
    await this.syncMetadata();
  }

  /** Runs retention now (tests; the schedule calls it when due); undefined without a store or a window. */
  async runRetentionNow(): Promise<RetentionRun | undefined> {
    const { cluster, clock, config } = this.options;
    const store = this.store;
    if (store === undefined || config.retentionWindowMs === undefined) return undefined;
    const run = await runRetention({
      store,
      clock,
      windowMs: config.retentionWindowMs,
      partitionCount: cluster.options.partitionCount,
      onDeleted: (checkpointId) => this.recordDeleted(checkpointId),
      ...(this.options.manager === undefined ? {} : { collector: this.options.manager.collectorIdentity() }),
      ...(this.options.log === undefined ? {} : { log: this.options.log }),
    });
    await this.reconcileDeleted(store, run.deleted);
    return run;
  }

  /**
   * Writes metadata.json for each running partition when this node has not written it yet, or when what a restore
   * depends on changed since (metadataFingerprint: backups, ranges, the checkpoints they cover).
   */
  async syncMetadata(): Promise<void> {
    const store = this.store;
    if (store === undefined) return;
    for (const partition of this.options.cluster.partitions()) {
      const metadata = partitionMetadataOf(partition, this.options.clock);
      const fingerprint = metadataFingerprint(metadata);
      if (this.written.get(partition.partitionId) === fingerprint) continue;
      await writePartitionMetadata(store, metadata);
      this.written.set(partition.partitionId, fingerprint);
    }
  }

  runtimeState(): BackupRuntimeState {
    return backupRuntimeState(this.options.cluster, this.options.config, this.schedulers);
  }

  private async retentionIfDue(): Promise<void> {
    const cleanupMs = this.options.config.retentionCleanupScheduleMs;
    const active = this.schedulers.active()?.nodeId;
    if (cleanupMs === undefined || active === undefined) return;
    const nowMs = this.options.clock.nowMs();
    if (this.retentionNode !== active || this.nextRetentionMs === undefined) {
      this.retentionNode = active;
      this.nextRetentionMs = nowMs + cleanupMs;
      return;
    }
    if (nowMs < this.nextRetentionMs) return;
    this.nextRetentionMs = nowMs + cleanupMs;
    await this.runRetentionNow();
  }

  private recordDeleted(checkpointId: number): void {
    this.retentionDeletedCount += 1;
    for (const partition of this.options.cluster.partitions()) {
      if (partition.confirmedBackups().some((backup) => backup.checkpointId === checkpointId && backup.status !== 'DELETED'))
        partition.recordBackupDeleted(checkpointId);
    }
  }

  /** A partition that was down when a backup was deleted learns it here: its manifest says DELETED, its state does not yet. */
  private async reconcileDeleted(store: BackupStore, justRecorded: readonly number[]): Promise<void> {
    for (const candidate of await listRetentionCandidates(store)) {
      if (justRecorded.includes(candidate.checkpointId)) continue;
      for (const manifest of candidate.manifests) {
        if (manifest.status !== 'DELETED' || !this.options.cluster.isRunning(manifest.id.partitionId)) continue;
        const partition = this.options.cluster.partition(manifest.id.partitionId);
        const row = partition.confirmedBackups().find((backup) => backup.checkpointId === candidate.checkpointId);
        if (row !== undefined && row.status !== 'DELETED') partition.recordBackupDeleted(candidate.checkpointId);
      }
    }
  }
}
