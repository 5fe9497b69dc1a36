// The real asynchronous mode: the event-loop pump with the system clock, faults on, checkpoints on a timer.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { Workload } from '../../src/engine/workload.js';
import { runEngine, settledCluster } from '../../src/engine/engine-runner.js';
import { RecordingBackupHook } from '../support/recording-backup-hook.js';
import { orphansAt, temporaryDirectory, unsyncedFileSystem } from './helpers.js';
import { eventually } from '../support/eventually.js';

describe('runEngine (real asynchronous mode)', () => {
  it('runs workload and timed checkpoints on the event loop until aborted, and every cut is consistent', async () => {
    const transport = new InProcessTransport(systemClock, new SeededRandom(7), {
      delayMsMin: 0,
      delayMsMax: 5,
      duplicateProbability: 0.1,
      lossProbability: 0.02,
      reorder: true,
    });
    const hook = new RecordingBackupHook();
    const cluster = Cluster.open({
      dataDirectory: temporaryDirectory('engine-async'),
      partitionCount: 3,
      nodeCount: 2,
      clock: systemClock,
      transport,
      backupHook: hook,
      logFileSystem: unsyncedFileSystem,
      snapshotIntervalRecords: 0,
      retryIntervalMs: 50,
    });
    const controller = new AbortController();
    // Stops once there is what the test checks (3 checkpoints created on every partition, over 100 records
    // processed), however long a loaded machine takes: not after a fixed time that may not be enough.
    const enough = (): boolean =>
      hook.created.length >= 9 && cluster.partitions().reduce((sum, partition) => sum + partition.lastProcessedPosition, 0) > 100;
    const watcher = eventually(enough).then(() => controller.abort());
    const result = await runEngine({
      cluster,
      transport,
      clock: systemClock,
      workload: new Workload(cluster, new SeededRandom(8)),
      workloadPerSecond: 300,
      checkpointIntervalMs: 200,
      checkpointType: 'SCHEDULED_BACKUP',
      signal: controller.signal,
    });
    await watcher;
    expect(result.recordsProcessed).toBeGreaterThan(100);
    expect(result.checkpointsTriggered).toBeGreaterThanOrEqual(3);
    // The last trigger may be appended but not yet processed when the signal aborts the loop.
    expect(hook.created.length).toBeGreaterThanOrEqual(3 * (result.checkpointsTriggered - 1));
    for (let checkpointId = 1; checkpointId <= result.checkpointsTriggered; checkpointId++) {
      expect(orphansAt(cluster.partitions(), checkpointId), `checkpoint ${checkpointId}`).toEqual([]);
    }
    cluster.close();
  });

  it('drains after the signal: over a lossy, duplicating network every command ends received and acknowledged', async () => {
    const transport = new InProcessTransport(systemClock, new SeededRandom(9), {
      delayMsMin: 0,
      delayMsMax: 5,
      duplicateProbability: 0.1,
      lossProbability: 0.05,
      reorder: true,
    });
    const cluster = Cluster.open({
      dataDirectory: temporaryDirectory('engine-drain'),
      partitionCount: 3,
      nodeCount: 1,
      clock: systemClock,
      transport,
      logFileSystem: unsyncedFileSystem,
      snapshotIntervalRecords: 0,
      retryIntervalMs: 20,
    });
    const controller = new AbortController();
    // Aborted while commands are surely in flight: as soon as the transport holds some.
    const watcher = eventually(() => transport.pending().length >= 5).then(() => controller.abort());
    const options = {
      cluster,
      transport,
      clock: systemClock,
      workload: new Workload(cluster, new SeededRandom(10)),
      workloadPerSecond: 500,
      checkpointIntervalMs: 0,
      checkpointType: 'MARKER' as const,
      signal: controller.signal,
    };
    // Stopped at once, the run says truthfully whether it ended settled (with commands in flight, it did not).
    const first = await runEngine({ ...options, drainMsMax: 0 });
    await watcher;
    expect(first.settled).toBe(settledCluster(cluster, transport));
    // Drained: nothing new is submitted, and whatever was in flight is delivered, retried, processed and acknowledged.
    const drained = await runEngine({ ...options, signal: AbortSignal.abort(), drainMsMax: 60_000 });
    expect(drained.settled).toBe(true);
    expect(settledCluster(cluster, transport)).toBe(true);
    expect(transport.pending()).toEqual([]);
    expect(cluster.partitions().every((partition) => !partition.hasUnprocessed() && !partition.hasOutbox())).toBe(true);
    cluster.close();
  });
});
