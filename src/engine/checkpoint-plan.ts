// The checkpoint scheduler's timing (pure): when the next MARKER and SCHEDULED_BACKUP are due, and what to emit now.
import type { CheckpointType } from './records.js';
import { schedulerMergeWindowMs } from '../limits.js';

export interface ScheduleConfig {
  /** A MARKER checkpoint this often; undefined: none. */
  readonly checkpointIntervalMs: number | undefined;
  /** A SCHEDULED_BACKUP checkpoint this often; undefined: none. */
  readonly scheduleMs: number | undefined;
}

/** When the next checkpoint of each kind is due (undefined: that kind is off). */
export interface CheckpointPlan {
  readonly nextMarkerMs: number | undefined;
  readonly nextBackupMs: number | undefined;
}

/** What the cluster's partitions remember: the timestamps of their newest checkpoint and newest backup checkpoint. */
export interface CheckpointHistory {
  readonly lastCheckpointMs: number | undefined;
  readonly lastBackupMs: number | undefined;
}

/**
 * The plan of a scheduler that starts (or takes over after a handover): from the times of the last
 * checkpoints, never from now, so that a disruption does not shift the schedule. Without any backup
 * yet, one is due at once; a schedule that fell behind during a long disruption is due at once too.
 */
export function planFromHistory(history: CheckpointHistory, config: ScheduleConfig, nowMs: number): CheckpointPlan {
  const next = (last: number | undefined, periodMs: number | undefined) =>
    periodMs === undefined ? undefined : last === undefined ? nowMs : last + periodMs;
  return {
    nextMarkerMs: next(history.lastCheckpointMs, config.checkpointIntervalMs),
    nextBackupMs: next(history.lastBackupMs, config.scheduleMs),
  };
}

/**
 * What to emit at `nowMs` and the plan after it. A due backup is emitted; a due marker is emitted,
 * unless a backup is due within the merge window after it, which then replaces it (a backup is a
 * restore point too). Next times advance from the due time, not from now, so they do not drift; a
 * time that fell behind by more than a period restarts from now.
 */
export function decide(
  plan: CheckpointPlan,
  config: ScheduleConfig,
  nowMs: number,
): { emit: CheckpointType | undefined; plan: CheckpointPlan } {
  const markerDue = plan.nextMarkerMs !== undefined && plan.nextMarkerMs <= nowMs;
  const backupDue = plan.nextBackupMs !== undefined && plan.nextBackupMs <= nowMs;
  const window = config.checkpointIntervalMs === undefined ? 0 : Math.min(schedulerMergeWindowMs, config.checkpointIntervalMs / 2);
  const backupSoon = plan.nextBackupMs !== undefined && plan.nextBackupMs - nowMs <= window;
  if (backupDue || (markerDue && backupSoon)) {
    return {
      emit: 'SCHEDULED_BACKUP',
      plan: {
        nextMarkerMs: markerDue ? advance(plan.nextMarkerMs, config.checkpointIntervalMs, nowMs) : plan.nextMarkerMs,
        nextBackupMs: advance(plan.nextBackupMs, config.scheduleMs, nowMs),
      },
    };
  }
  if (markerDue) return { emit: 'MARKER', plan: { ...plan, nextMarkerMs: advance(plan.nextMarkerMs, config.checkpointIntervalMs, nowMs) } };
  return { emit: undefined, plan };
}

function advance(dueMs: number | undefined, periodMs: number | undefined, nowMs: number): number | undefined {
  if (dueMs === undefined || periodMs === undefined) return undefined;
  const next = dueMs + periodMs;
  return next > nowMs ? next : nowMs + periodMs;
}
