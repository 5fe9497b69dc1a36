// The real asynchronous mode: the event-loop pump with the system clock, faults on, checkpoints on a timer.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { Workload } from '../../src/engine/workload.js';
import { runEngine } from '../../src/engine/engine-runner.js';
import { RecordingBackupHook } from '../support/recording-backup-hook.js';
import { orphansAt, temporaryDirectory, unsyncedFileSystem } from './helpers.js';

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
    const timer = setTimeout(() => controller.abort(), 1_200);
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
    clearTimeout(timer);
    expect(result.recordsProcessed).toBeGreaterThan(100);
    expect(result.checkpointsTriggered).toBeGreaterThanOrEqual(3);
    // The last trigger may be appended but not yet processed when the signal aborts the loop.
    expect(hook.created.length).toBeGreaterThanOrEqual(3 * (result.checkpointsTriggered - 1));
    for (let checkpointId = 1; checkpointId <= result.checkpointsTriggered; checkpointId++) {
      expect(orphansAt(cluster.partitions(), checkpointId), `checkpoint ${checkpointId}`).toEqual([]);
    }
    cluster.close();
  });
});
