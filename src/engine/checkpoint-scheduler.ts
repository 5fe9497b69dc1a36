// The checkpoint scheduler: one per cluster, active on the lowest live node, emitting MARKER and SCHEDULED_BACKUP checkpoints.
import type { EventLog } from '../event-log.js';
import type { Clock } from '../clock.js';
import type { Cluster } from './cluster.js';
import type { CheckpointType } from './records.js';
import { chooseBackupId } from '../protocol/backup-ids.js';
import { decide, planFromHistory, type CheckpointHistory, type CheckpointPlan, type ScheduleConfig } from './checkpoint-plan.js';

/** Asks every partition for a checkpoint of the type and returns its id (the id rule lives behind it). */
export type CheckpointTrigger = (checkpointType: CheckpointType) => Promise<number>;

/**
 * The trigger without a backup manager: ids follow the one rule of protocol/backup-ids.ts (the clock's
 * milliseconds, or the next id when the clock is behind), above every id a running partition has
 * processed or been asked for.
 */
export function clusterCheckpointTrigger(cluster: Cluster, clock: Clock): CheckpointTrigger {
  return (checkpointType) => {
    const checkpointId = chooseBackupId(undefined, cluster.highestCheckpointId(), clock);
    cluster.triggerCheckpoint(checkpointId, checkpointType);
    return Promise.resolve(checkpointId);
  };
}

export interface EmittedCheckpoint {
  readonly nodeId: number;
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
  readonly atMs: number;
}

export interface CheckpointSchedulerOptions {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly config: ScheduleConfig;
  readonly trigger: CheckpointTrigger;
  /** One line per event (activation with its plan, each checkpoint), for the engine's output. */
  readonly log?: EventLog;
}

/**
 * The scheduler as every node runs it (Zeebe registers it on all brokers): only the one on the lowest
 * live node id acts. When that node goes away, the next one becomes active on its next tick and plans
 * from the partitions' state (the timestamps of the last checkpoint and the last backup checkpoint),
 * so the schedule continues where it was instead of restarting at the handover.
 */
export class CheckpointScheduler {
  private plan: CheckpointPlan | undefined;
  readonly emitted: EmittedCheckpoint[] = [];

  constructor(
    readonly nodeId: number,
    private readonly options: CheckpointSchedulerOptions,
  ) {}

  /** Whether this node's scheduler is the cluster's active one right now. */
  get active(): boolean {
    const live = this.options.cluster.liveNodeIds();
    return live[0] === this.nodeId;
  }

  /** The current plan while active (for `GET /backups/state` and tests). */
  get currentPlan(): CheckpointPlan | undefined {
    return this.plan;
  }

  /** Emits what is due now, if this scheduler is active; returns it. Ticks must not overlap (await each). */
  async tick(): Promise<EmittedCheckpoint | undefined> {
    const { cluster, clock, config } = this.options;
    if (!this.active || cluster.partitions().length === 0) {
      this.plan = undefined;
      return undefined;
    }
    const nowMs = clock.nowMs();
    if (this.plan === undefined) {
      const history = checkpointHistory(cluster);
      this.plan = planFromHistory(history, config, nowMs);
      this.options.log?.(`checkpoint scheduler active on node ${this.nodeId}: ${describePlan(this.plan, nowMs)}`);
    }
    const decision = decide(this.plan, config, nowMs);
    this.plan = decision.plan;
    if (decision.emit === undefined) return undefined;
    const checkpointId = await this.options.trigger(decision.emit);
    const emitted = { nodeId: this.nodeId, checkpointId, checkpointType: decision.emit, atMs: nowMs };
    this.emitted.push(emitted);
    this.options.log?.(`checkpoint ${checkpointId} (${decision.emit}) requested by node ${this.nodeId}`, {
      event: 'checkpoint-requested',
      checkpointId,
      checkpointType: decision.emit,
      nodeId: this.nodeId,
    });
    return emitted;
  }
}

/** One scheduler per node of the cluster; tick() ticks them all (only the active one acts). */
export class ClusterCheckpointSchedulers {
  readonly schedulers: readonly CheckpointScheduler[];

  constructor(options: CheckpointSchedulerOptions) {
    this.schedulers = options.cluster.nodeIds().map((nodeId) => new CheckpointScheduler(nodeId, options));
  }

  async tick(): Promise<EmittedCheckpoint | undefined> {
    let emitted: EmittedCheckpoint | undefined;
    for (const scheduler of this.schedulers) emitted = (await scheduler.tick()) ?? emitted;
    return emitted;
  }

  /** Every checkpoint any node's scheduler emitted, in order. */
  emitted(): EmittedCheckpoint[] {
    return this.schedulers.flatMap((scheduler) => scheduler.emitted).sort((left, right) => left.checkpointId - right.checkpointId);
  }

  active(): CheckpointScheduler | undefined {
    return this.schedulers.find((scheduler) => scheduler.active);
  }
}

/** The newest checkpoint and backup-checkpoint timestamps over the running partitions (from their state). */
export function checkpointHistory(cluster: Cluster): CheckpointHistory {
  let lastCheckpointMs: number | undefined;
  let lastBackupMs: number | undefined;
  for (const partition of cluster.partitions()) {
    const checkpoint = partition.backupState.lastCheckpoint()?.checkpointTimestampMs;
    const backup = partition.backupState.lastBackupCheckpoint()?.checkpointTimestampMs;
    if (checkpoint !== undefined) lastCheckpointMs = Math.max(lastCheckpointMs ?? checkpoint, checkpoint);
    if (backup !== undefined) lastBackupMs = Math.max(lastBackupMs ?? backup, backup);
  }
  return { lastCheckpointMs, lastBackupMs };
}

function describePlan(plan: CheckpointPlan, nowMs: number): string {
  const inMs = (time: number | undefined) => (time === undefined ? 'off' : `in ${Math.max(0, time - nowMs)} ms`);
  return `next marker ${inMs(plan.nextMarkerMs)}, next backup ${inMs(plan.nextBackupMs)}`;
}
