// The data of `GET /backups/state`: per partition its checkpoints, backups and ranges, plus the scheduler's plan.
import type { Cluster } from '../engine/cluster.js';
import type { ClusterCheckpointSchedulers } from '../engine/checkpoint-scheduler.js';
import type { BackupConfig } from '../protocol/backup-config.js';
import { formatDuration } from '../engine/duration.js';
import type { BackupRow, CheckpointRow } from '../engine/backup-state.js';
import type { PartitionRanges } from '../protocol/ranges.js';

export interface BackupRuntimeState {
  readonly config: {
    readonly continuous: boolean;
    readonly checkpointInterval: string | null;
    readonly schedule: string | null;
    readonly retentionWindow: string | null;
    readonly retentionCleanupSchedule: string | null;
  };
  readonly scheduler: { readonly activeNodeId: number | null; readonly nextMarkerAt: string | null; readonly nextBackupAt: string | null };
  /**
   * Each running partition's ranges, with every backup it saw confirmed (COMPLETED, FAILED, or DELETED
   * since), ascending. Running partitions only: a stopped partition's state is not readable until it restarts.
   */
  readonly partitions: readonly PartitionRanges<CheckpointRow, BackupRow>[];
}

/** Reads the runtime state from every running partition's state (cheap: a few small SQLite queries each). */
export function backupRuntimeState(cluster: Cluster, config: BackupConfig, schedulers?: ClusterCheckpointSchedulers): BackupRuntimeState {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const duration = (ms: number | undefined) => (ms === undefined ? null : formatDuration(ms));
  const active = schedulers?.active();
  const plan = active?.currentPlan;
  return {
    config: {
      continuous: config.continuous,
      checkpointInterval: duration(config.checkpointIntervalMs),
      schedule: duration(config.scheduleMs),
      retentionWindow: duration(config.retentionWindowMs),
      retentionCleanupSchedule: duration(config.retentionCleanupScheduleMs),
    },
    scheduler: { activeNodeId: active?.nodeId ?? null, nextMarkerAt: iso(plan?.nextMarkerMs), nextBackupAt: iso(plan?.nextBackupMs) },
    partitions: cluster
      .partitions()
      .sort((left, right) => left.partitionId - right.partitionId)
      .map((partition) => ({
        partitionId: partition.partitionId,
        checkpoints: partition.backupState.checkpoints(),
        backups: partition.backupState.backups(),
        ranges: partition.backupState.ranges(),
      })),
  };
}
