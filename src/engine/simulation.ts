// The deterministic mode: a seeded scheduler interleaves workload, checkpoint triggers, deliveries and processing.
import type { ManualClock } from '../clock.js';
import type { Random } from '../random.js';
import type { Cluster } from './cluster.js';
import type { InProcessTransport } from './transport.js';
import type { Workload } from './workload.js';
import type { CheckpointType } from './records.js';

export interface SimulationOptions {
  /** Probability per step that the workload submits a command. */
  readonly workloadProbability: number;
  /** Probability per step that an external checkpoint trigger starts (it reaches partitions at random later times). */
  readonly checkpointProbability: number;
  /** Largest delay of a trigger's arrival at a partition after it starts. */
  readonly triggerDelayMsMax: number;
  readonly checkpointTypes: readonly CheckpointType[];
  /** Most records one processing step takes (default 8); 1 makes the state after every position observable. */
  readonly batchRecordsMax?: number;
}

interface PendingTrigger {
  readonly partitionId: number;
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
  readonly atMs: number;
}

/**
 * One step does one thing chosen by the seeded random: submit workload, start a checkpoint trigger,
 * deliver a due trigger, deliver a due command, process one batch on one partition, or run a retry timer.
 * The same seed replays the same run exactly.
 */
export class SimulationScheduler {
  private readonly triggers: PendingTrigger[] = [];
  nextCheckpointId = 1;
  steps = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly transport: InProcessTransport,
    private readonly workload: Workload,
    private readonly clock: ManualClock,
    private readonly random: Random,
    private readonly options: SimulationOptions,
  ) {}

  step(): void {
    this.steps++;
    this.clock.advance(this.random.int(3));
    if (this.random.next() < this.options.workloadProbability) this.workload.step();
    if (this.random.next() < this.options.checkpointProbability) this.startCheckpoint();
    this.deliverTriggers();
    const running = this.cluster.partitions();
    const choice = this.random.int(4);
    if (choice === 0) this.transport.deliverDue(1 + this.random.int(3));
    else if (choice === 1 || choice === 2) {
      const busy = running.filter((partition) => partition.hasUnprocessed());
      busy[this.random.int(busy.length)]?.processBatch(1 + this.random.int(this.options.batchRecordsMax ?? 8));
    } else running[this.random.int(running.length)]?.retryDue();
  }

  run(steps: number): void {
    for (let index = 0; index < steps; index++) this.step();
  }

  /** Stops new work and runs until every partition has processed everything and nothing is in flight or unacknowledged. */
  settle(stepsMax = 200_000): boolean {
    for (let index = 0; index < stepsMax; index++) {
      this.clock.advance(50);
      this.deliverTriggers();
      this.transport.deliverDue();
      for (const partition of this.cluster.partitions()) partition.processAvailable();
      for (const partition of this.cluster.partitions()) partition.retryDue();
      const quiet = this.triggers.length === 0 && this.transport.pending().length === 0;
      const idle = this.cluster.partitions().every((partition) => !partition.hasUnprocessed() && !partition.hasOutbox());
      if (quiet && idle) return true;
    }
    return false;
  }

  /** Starts checkpoint `nextCheckpointId`: every partition receives the trigger after its own random delay. */
  startCheckpoint(): number {
    const checkpointId = this.nextCheckpointId++;
    const types = this.options.checkpointTypes;
    const checkpointType = types[this.random.int(types.length)] ?? 'MANUAL_BACKUP';
    this.cluster.announceCheckpoint(checkpointId, checkpointType);
    for (const partitionId of this.cluster.partitionIds()) {
      this.triggers.push({
        partitionId,
        checkpointId,
        checkpointType,
        atMs: this.clock.nowMs() + this.random.int(this.options.triggerDelayMsMax + 1),
      });
    }
    return checkpointId;
  }

  private deliverTriggers(): void {
    const now = this.clock.nowMs();
    for (let index = this.triggers.length - 1; index >= 0; index--) {
      const trigger = this.triggers[index];
      if (trigger === undefined || trigger.atMs > now || !this.cluster.isRunning(trigger.partitionId)) continue;
      this.triggers.splice(index, 1);
      this.cluster.partition(trigger.partitionId).triggerCheckpoint(trigger.checkpointId, trigger.checkpointType);
    }
  }
}
