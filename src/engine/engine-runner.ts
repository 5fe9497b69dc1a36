// The real asynchronous mode: an event-loop pump over the cluster, with a generated workload, until aborted.
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { Cluster } from './cluster.js';
import type { InProcessTransport } from './transport.js';
import type { Workload } from './workload.js';
import type { CheckpointType } from './records.js';

export interface EngineRunOptions {
  readonly cluster: Cluster;
  readonly transport: InProcessTransport;
  readonly clock: Clock;
  readonly workload: Workload | undefined;
  /** Workload commands submitted per second (across the cluster). */
  readonly workloadPerSecond: number;
  /** When > 0, an external checkpoint trigger of `checkpointType` every this many milliseconds. */
  readonly checkpointIntervalMs: number;
  readonly checkpointType: CheckpointType;
  readonly signal: AbortSignal;
  /** Called about once a second with the running totals. */
  readonly onProgress?: (progress: EngineProgress) => void;
  /** Cluster services (checkpoint scheduler, retention, metadata sync), awaited about every `intervalMs`. */
  readonly services?: { tick(): Promise<void>; readonly intervalMs: number };
  /**
   * Once the signal aborts: deliver and process what is in flight, with no new workload, trigger or service tick,
   * until the cluster settled (settledCluster) or this many milliseconds passed. 0 or absent: stop at once.
   */
  readonly drainMsMax?: number;
}

export interface EngineProgress {
  readonly elapsedMs: number;
  readonly recordsProcessed: number;
  readonly commandsDelivered: number;
  readonly checkpointsTriggered: number;
}

export interface EngineRunResult extends EngineProgress {
  /** Whether the run ended settled: every command delivered and acknowledged, every record processed. */
  readonly settled: boolean;
}

/** Nothing left in flight: no command in the transport or awaiting its acknowledgement, no record unprocessed. */
export function settledCluster(cluster: Cluster, transport: InProcessTransport): boolean {
  return (
    transport.pending().length === 0 && cluster.partitions().every((partition) => !partition.hasUnprocessed() && !partition.hasOutbox())
  );
}

/**
 * Runs the cluster on the real event loop until the signal aborts, then drains it (drainMsMax); the caller then
 * closes the cluster.
 * Each turn delivers due commands, processes one batch per partition, runs retry timers and submits the
 * workload owed by the elapsed time; when a turn found nothing to do it sleeps a millisecond.
 */
export async function runEngine(options: EngineRunOptions): Promise<EngineRunResult> {
  const { cluster, transport, clock } = options;
  const startMs = clock.nowMs();
  let recordsProcessed = 0;
  let workloadSubmitted = 0;
  let checkpointsTriggered = 0;
  let nextCheckpointId = Math.max(0, ...cluster.partitions().map((p) => p.state().checkpointId)) + 1;
  let lastProgressMs = startMs;
  let lastServicesMs = Number.NEGATIVE_INFINITY;
  const progress = (): EngineProgress => ({
    elapsedMs: clock.nowMs() - startMs,
    recordsProcessed,
    commandsDelivered: transport.delivered,
    checkpointsTriggered,
  });
  while (!options.signal.aborted) {
    const now = clock.nowMs();
    const turn = deliverAndProcess(cluster, transport);
    recordsProcessed += turn.processed;
    let work = turn.work;
    const owed = Math.floor(((now - startMs) * options.workloadPerSecond) / 1000) - workloadSubmitted;
    for (let index = 0; index < Math.min(owed, 1000) && options.workload !== undefined; index++, workloadSubmitted++, work++)
      options.workload.step();
    if (options.checkpointIntervalMs > 0 && now - startMs >= (checkpointsTriggered + 1) * options.checkpointIntervalMs) {
      // Backups taken through the management API use ids of their own; the next periodic id goes past them.
      nextCheckpointId = Math.max(nextCheckpointId, ...cluster.partitions().map((p) => p.state().checkpointId + 1));
      cluster.triggerCheckpoint(nextCheckpointId++, options.checkpointType);
      checkpointsTriggered++;
    }
    if (options.services !== undefined && now - lastServicesMs >= options.services.intervalMs) {
      lastServicesMs = now;
      await options.services.tick();
    }
    if (now - lastProgressMs >= 1000) {
      lastProgressMs = now;
      options.onProgress?.(progress());
    }
    if (work > 0) await yieldToEventLoop();
    else await sleep(1);
  }
  const drained = await drain(options, options.drainMsMax ?? 0);
  recordsProcessed += drained.recordsProcessed;
  return { ...progress(), settled: drained.settled };
}

/** Delivers and processes what is in flight, and nothing new, until the cluster settled or `drainMs` passed. */
async function drain(options: EngineRunOptions, drainMs: number): Promise<{ settled: boolean; recordsProcessed: number }> {
  const { cluster, transport, clock } = options;
  if (drainMs <= 0) return { settled: settledCluster(cluster, transport), recordsProcessed: 0 };
  const deadlineMs = clock.nowMs() + drainMs;
  let recordsProcessed = 0;
  for (;;) {
    const turn = deliverAndProcess(cluster, transport);
    recordsProcessed += turn.processed;
    if (settledCluster(cluster, transport)) return { settled: true, recordsProcessed };
    if (clock.nowMs() >= deadlineMs) return { settled: false, recordsProcessed };
    if (turn.work > 0) await yieldToEventLoop();
    else await sleep(1);
  }
}

/** One turn of the cluster: due commands delivered, one batch per partition processed, retry timers run. */
function deliverAndProcess(cluster: Cluster, transport: InProcessTransport): { work: number; processed: number } {
  let work = transport.deliverDue(1000);
  let processed = 0;
  for (const partition of cluster.partitions()) {
    const count = partition.processBatch();
    processed += count;
    work += count + partition.retryDue();
  }
  return { work, processed };
}
