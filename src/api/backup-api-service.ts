// What the management API answers, independent of HTTP: backup status (with the running manager's knowledge), listing, taking, deleting, state.
import type { Cluster } from '../engine/cluster.js';
import type { BackupManager } from '../backup/backup-manager.js';
import { backupStatusOf, type BackupStatus } from '../backup/backup-status.js';
import { deleteBackup } from '../backup/backup-deletion.js';
import { listBackupManifests, ManifestCache, readAllManifests } from '../backup/manifest-store.js';
import type { Manifest } from '../backup/manifest.js';
import { CutlineError, isCutlineError } from '../errors.js';
import type { CheckpointType } from '../engine/records.js';
import type { ContinuousBackups } from '../backup/continuous-backups.js';
import type { BackupRuntimeState } from '../backup/backup-runtime-state.js';
import type { StoreHealth, StoreHealthState } from '../store/store-health.js';
import { renderMetrics } from './metrics.js';
import type { BackupRow, CheckpointRow } from '../engine/backup-state.js';
import type { PartitionRanges } from '../protocol/ranges.js';

/** A checkpoint as GET /backups/state shows it: the state's row, its timestamp as ISO 8601 text. */
export type CheckpointAnswer = Omit<CheckpointRow, 'checkpointTimestampMs'> & { readonly checkpointTimestamp: string };

export interface PartitionBackupState {
  readonly partitionId: number;
  readonly nodeId: number;
  readonly lastProcessedPosition: number;
  readonly checkpoint: {
    readonly checkpointId: number;
    readonly checkpointPosition: number;
    readonly checkpointType: CheckpointType;
  } | null;
  readonly latestBackup: {
    readonly checkpointId: number;
    readonly checkpointPosition: number;
    readonly status: string;
    readonly reason: string | null;
  } | null;
}

/** A partition in GET /backups/state: its status and, with continuous backups, its ranges (backup-runtime-state.ts). */
export type PartitionStateAnswer = PartitionBackupState &
  Partial<Omit<PartitionRanges<CheckpointRow, BackupRow>, 'partitionId' | 'checkpoints'>> & {
    readonly checkpoints?: readonly CheckpointAnswer[];
  };

/** `GET /health`: `degraded` while the store fails (the engine keeps running; backups and metadata.json wait). */
export interface HealthAnswer {
  readonly status: 'ok' | 'degraded';
  /** Null when the engine does not track its store (tests that build the service without one). */
  readonly store: StoreHealthState | null;
}

/** The management API's operations over one running cluster and its backup manager. */
export class BackupApiService {
  /** GET /backups reads only the manifests that changed since the previous listing. */
  private readonly manifests = new ManifestCache();

  constructor(
    private readonly cluster: Cluster,
    private readonly manager: BackupManager,
    private readonly continuous?: ContinuousBackups,
    /** The outcomes of the manager's store calls (store-health.ts); `engine start` always passes it. */
    private readonly storeHealth?: StoreHealth,
  ) {}

  /** GET /metrics, in the Prometheus text format. */
  metrics(): string {
    return renderMetrics({
      cluster: this.cluster,
      manager: this.manager,
      continuous: this.continuous,
      storeHealth: this.storeHealth,
      nowMs: this.manager.clock.nowMs(),
    });
  }

  health(): HealthAnswer {
    const store = this.storeHealth?.state() ?? null;
    return { status: store?.status === 'unhealthy' ? 'degraded' : 'ok', store };
  }

  async take(requestedId: unknown): Promise<number> {
    if (requestedId !== undefined && typeof requestedId !== 'number') {
      throw new CutlineError('USAGE', `backupId must be a number, got ${JSON.stringify(requestedId)}`, {
        hint: 'Send {"backupId": 12}, or no body for a generated id.',
      });
    }
    return this.manager.takeBackup(requestedId);
  }

  /** The status from the store's manifests; partitions this process is still working on count as IN_PROGRESS. */
  async status(backupId: number): Promise<BackupStatus> {
    const manifests = await manifestsOf(this.manager, backupId);
    const pending = this.pendingPartitions(backupId);
    if (manifests.length === 0 && pending.length === 0) {
      throw new CutlineError(
        'BACKUP_NOT_FOUND',
        `backup ${backupId} does not exist: no partition has a manifest for it in ${this.manager.store.description}`,
        {
          hint: 'List the backups with `cutline backup list`.',
        },
      );
    }
    return backupStatusOf(backupId, manifests, this.cluster.options.partitionCount, pending);
  }

  /** Every backup in the store, and one requested here that has no manifest yet; newest first. */
  async list(): Promise<BackupStatus[]> {
    const stored = await readAllManifests(this.manager.store, {}, this.manifests);
    const ids = new Set(stored.keys());
    if (this.manager.highestRequested > 0) ids.add(this.manager.highestRequested);
    const statuses: BackupStatus[] = [];
    for (const backupId of [...ids].sort((left, right) => right - left)) {
      const manifests = stored.get(backupId) ?? [];
      const pending = this.pendingPartitions(backupId);
      if (manifests.length > 0 || pending.length > 0)
        statuses.push(backupStatusOf(backupId, manifests, this.cluster.options.partitionCount, pending));
    }
    return statuses;
  }

  async delete(backupId: number): Promise<BackupStatus> {
    const deleted = await deleteBackup(this.manager.store, backupId, this.manager.clock, this.pendingPartitions(backupId), {
      collector: this.manager.collectorIdentity(),
    });
    return backupStatusOf(backupId, deleted, this.cluster.options.partitionCount);
  }

  /** GET /backups/state: the scheduler and configuration (with continuous backups) and every running partition. */
  backupsState(): {
    partitions: PartitionStateAnswer[];
    store: StoreHealthState | null;
    scheduler?: BackupRuntimeState['scheduler'];
    config?: BackupRuntimeState['config'];
  } {
    const store = this.storeHealth?.state() ?? null;
    if (this.continuous === undefined) return { partitions: this.state(), store };
    const runtime = this.continuous.runtimeState();
    const partitions = this.state().map((partition) => {
      const extra = runtime.partitions.find((candidate) => candidate.partitionId === partition.partitionId);
      return extra === undefined
        ? partition
        : { ...partition, checkpoints: extra.checkpoints.map(checkpointAnswer), backups: extra.backups, ranges: extra.ranges };
    });
    return { partitions, store, scheduler: runtime.scheduler, config: runtime.config };
  }

  state(): PartitionBackupState[] {
    return this.cluster.partitions().map((partition) => {
      const state = partition.state();
      const latest = partition.confirmedBackups().at(-1);
      return {
        partitionId: partition.partitionId,
        nodeId: this.cluster.nodeOf(partition.partitionId),
        lastProcessedPosition: state.lastProcessedPosition,
        checkpoint:
          state.checkpointId === 0
            ? null
            : { checkpointId: state.checkpointId, checkpointPosition: state.checkpointPosition, checkpointType: state.checkpointType },
        latestBackup:
          latest === undefined
            ? null
            : {
                checkpointId: latest.checkpointId,
                checkpointPosition: latest.checkpointPosition,
                status: latest.status,
                reason: latest.reason,
              },
      };
    });
  }

  /**
   * Partitions still working on the backup in this process: uploading it, or asked for its checkpoint
   * (by this process) and not yet past it.
   */
  private pendingPartitions(backupId: number): number[] {
    return this.cluster
      .partitions()
      .filter(
        (partition) =>
          this.manager.isTaking(partition.partitionId, backupId) ||
          (backupId === this.manager.highestRequested && partition.state().checkpointId < backupId),
      )
      .map((partition) => partition.partitionId);
  }
}

async function manifestsOf(manager: BackupManager, backupId: number): Promise<Manifest[]> {
  try {
    return await listBackupManifests(manager.store, backupId);
  } catch (error) {
    if (isCutlineError(error) && error.code === 'BACKUP_NOT_FOUND') return [];
    throw error;
  }
}

function checkpointAnswer(row: CheckpointRow): CheckpointAnswer {
  return {
    checkpointId: row.checkpointId,
    checkpointType: row.checkpointType,
    checkpointPosition: row.checkpointPosition,
    checkpointTimestamp: new Date(row.checkpointTimestampMs).toISOString(),
  };
}
