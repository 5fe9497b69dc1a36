// Engine runs in the deterministic mode that record their protocol trace in memory, for the trace validation tests and bench.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/clock.js';
import { SeededRandom } from '../../../src/random.js';
import { Cluster } from '../../../src/engine/cluster.js';
import { InProcessTransport, noFaults, type TransportFaults } from '../../../src/engine/transport.js';
import { SimulationScheduler } from '../../../src/engine/simulation.js';
import { Workload } from '../../../src/engine/workload.js';
import { ArrayTraceSink, type TraceEvent } from '../../../src/engine/trace-sink.js';
import type { PartitionTestOptions } from '../../../src/engine/partition-config.js';
import { nodeLogFileSystem } from '../../../src/log/file-system.js';
import type { TraceLine } from '../../../src/tla/trace/trace-reader.js';

export interface TracedRun {
  readonly events: TraceEvent[];
  readonly checkpoints: number;
}

/** Runs `steps` scheduler steps of seed `seed` on 3 partitions and settles; the trace lists every protocol event. */
export function tracedRun(seed: number, steps: number, testOnly: PartitionTestOptions = {}, faults: TransportFaults = noFaults): TracedRun {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cutline-trace-'));
  const clock = new ManualClock(1_700_000_000_000);
  const random = new SeededRandom(seed);
  const transport = new InProcessTransport(clock, new SeededRandom(seed ^ 0x5eed), faults);
  const trace = new ArrayTraceSink();
  const cluster = Cluster.open({
    dataDirectory: directory,
    partitionCount: 3,
    nodeCount: 1,
    clock,
    transport,
    trace,
    snapshotIntervalRecords: 0,
    retryIntervalMs: 100,
    logFileSystem: { ...nodeLogFileSystem, syncFile: () => {}, syncDirectory: () => {} },
    testOnly,
  });
  try {
    const scheduler = new SimulationScheduler(cluster, transport, new Workload(cluster, random), clock, random, {
      workloadProbability: 0.3,
      checkpointProbability: 0.03,
      triggerDelayMsMax: 40,
      checkpointTypes: ['MANUAL_BACKUP', 'SCHEDULED_BACKUP', 'MARKER'],
    });
    scheduler.run(steps);
    scheduler.settle();
    return { events: trace.events, checkpoints: scheduler.nextCheckpointId - 1 };
  } finally {
    cluster.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** The events as the lines of an NDJSON file would number them. */
export function asLines(events: readonly TraceEvent[]): TraceLine[] {
  return events.map((event, index) => ({ line: index + 1, event }));
}
