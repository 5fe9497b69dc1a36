// Crashes at random points: the recovered state equals the uncrashed twin's, and restarts cause no duplicate effects.
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, decodedRecords, orphansAt, temporaryDirectory, unsyncedFileSystem, type TestCluster } from './helpers.js';
import { SimulationScheduler } from '../../src/engine/simulation.js';
import { Workload } from '../../src/engine/workload.js';
import { SeededRandom } from '../../src/random.js';
import { ManualClock } from '../../src/clock.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { RecordingBackupHook } from '../support/recording-backup-hook.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { openPartition, partitionPaths } from '../../src/engine/partition-recovery.js';
import type { CrashPoint, PartitionTestOptions } from '../../src/engine/partition-config.js';
import type { Cluster } from '../../src/engine/cluster.js';

const crashPoints: readonly CrashPoint[] = ['after-record', 'before-flush', 'before-commit', 'after-commit', 'after-send'];
const faults = { delayMsMin: 0, delayMsMax: 20, duplicateProbability: 0.1, lossProbability: 0.05, reorder: true };
const seedCount = Number(process.env.CUTLINE_ENGINE_SEEDS ?? 8);

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

function scheduler(test: TestCluster, random: SeededRandom): SimulationScheduler {
  return new SimulationScheduler(test.cluster, test.transport, new Workload(test.cluster, random), test.clock, random, {
    workloadProbability: 0.3,
    checkpointProbability: 0.02,
    triggerDelayMsMax: 40,
    checkpointTypes: ['MANUAL_BACKUP', 'MARKER'],
  });
}

/** Opens the crash image of one partition on its own transport, so it cannot disturb the running cluster. */
function recoverImage(imageDirectory: string, partitionId: number, cluster: Cluster) {
  const clock = new ManualClock(0);
  return openPartition({
    dataDirectory: imageDirectory,
    openLog: (directory) => SegmentedLog.open({ directory, segmentSizeBytes: 16 * 1024, fs: unsyncedFileSystem }),
    partitionId,
    partitionCount: cluster.options.partitionCount,
    transport: new InProcessTransport(clock, new SeededRandom(0)),
    clock,
    backupHook: new RecordingBackupHook(),
    recordsPerTransaction: 100,
    snapshotIntervalRecords: 0,
    backupSnapshotLagRecordsMax: 0,
    retryIntervalMs: 100,
    testOnly: {},
  });
}

describe('recovery after a crash', () => {
  it(`rebuilds exactly the twin's state from snapshot + replay, at any crash point (${seedCount} seeds)`, () => {
    let recoveredFromSnapshot = 0;
    for (let seed = 1; seed <= seedCount; seed++) {
      const random = new SeededRandom(seed);
      const target = { partitionId: 1 + random.int(3), point: crashPoints[random.int(crashPoints.length)], armed: false };
      const image = { directory: temporaryDirectory('crash-image'), lastPosition: 0, taken: false };
      const testOnly: PartitionTestOptions = {
        crashPoint: (point, partitionId) => {
          if (!target.armed || point !== target.point || partitionId !== target.partitionId) return;
          target.armed = false;
          // The image of a process crash: every written byte, committed or not, exactly as it is now.
          fs.cpSync(partitionPaths(running!.directory, partitionId).root, partitionPaths(image.directory, partitionId).root, {
            recursive: true,
          });
          image.lastPosition = running!.cluster.partition(partitionId).log.lastPosition;
          image.taken = true;
        },
      };
      running?.cluster.close();
      running = openTestCluster(seed, {
        partitionCount: 3,
        nodeCount: 3,
        faults,
        testOnly,
        snapshotIntervalRecords: 40,
        recordsPerTransaction: 8,
      });
      const driver = scheduler(running, random);
      driver.run(100 + random.int(300));
      target.armed = true;
      while (!image.taken) driver.step();
      const twin = running.cluster.partition(target.partitionId);
      twin.processAvailable(image.lastPosition);
      expect(twin.lastProcessedPosition, `seed ${seed}`).toBe(image.lastPosition);
      const recovered = recoverImage(image.directory, target.partitionId, running.cluster);
      if (recovered.snapshots.list().length > 0) recoveredFromSnapshot++;
      expect(recovered.lastProcessedPosition, `seed ${seed}`).toBe(image.lastPosition);
      expect(recovered.dumpState(), `seed ${seed} at ${target.point}`).toEqual(twin.dumpState());
      recovered.abandon();
    }
    expect(recoveredFromSnapshot).toBeGreaterThan(seedCount / 2);
  });

  it('restarting crashed partitions writes no duplicate follow-ups, notifies each checkpoint once, and stays consistent', () => {
    let crashes = 0;
    for (let seed = 1; seed <= seedCount / 2; seed++) {
      const random = new SeededRandom(seed);
      const crash = { partitionId: 0, point: 'after-record' as CrashPoint };
      const testOnly: PartitionTestOptions = {
        crashPoint: (point, partitionId) => {
          if (point === crash.point && partitionId === crash.partitionId) throw new SimulatedCrash();
        },
      };
      running?.cluster.close();
      running = openTestCluster(seed, {
        partitionCount: 3,
        nodeCount: 1,
        faults,
        testOnly,
        snapshotIntervalRecords: 0,
        recordsPerTransaction: 8,
      });
      const { cluster } = running;
      const driver = scheduler(running, random);
      for (let round = 0; round < 6; round++) {
        crash.partitionId = 1 + random.int(3);
        crash.point = crashPoints[random.int(crashPoints.length)] ?? 'after-record';
        if (stepUntilCrash(driver, cluster, crash.partitionId, 50 + random.int(100))) crashes++;
        crash.partitionId = 0;
        driver.run(random.int(50));
        for (const id of cluster.partitionIds()) if (!cluster.isRunning(id)) cluster.start(id);
      }
      expect(driver.settle(), `seed ${seed} settles`).toBe(true);
      for (const partition of cluster.partitions()) expectOneFollowUpPerCheckpoint(decodedRecords(partition), seed);
      const notified = running.hook.created.map((c) => `${c.partitionId}/${c.checkpointId}`);
      expect(new Set(notified).size, `seed ${seed}: each checkpoint notified once`).toBe(notified.length);
      for (let checkpointId = 1; checkpointId < driver.nextCheckpointId; checkpointId++) {
        expect(orphansAt(cluster.partitions(), checkpointId), `seed ${seed} checkpoint ${checkpointId}`).toEqual([]);
      }
    }
    expect(crashes).toBeGreaterThan(seedCount * 2);
  });
});

class SimulatedCrash extends Error {}

/** Runs until the armed crash happens (returns true) or stepsMax steps pass without it. */
function stepUntilCrash(driver: SimulationScheduler, cluster: Cluster, partitionId: number, stepsMax: number): boolean {
  for (let step = 0; step < stepsMax; step++) {
    try {
      driver.step();
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
      cluster.crash(partitionId);
      return true;
    }
  }
  return false;
}

function expectOneFollowUpPerCheckpoint(records: ReturnType<typeof decodedRecords>, seed: number): void {
  const followUps = new Map<number, number>();
  for (const record of records) {
    if (record.type === 'CHECKPOINT_CREATED' || record.type === 'CHECKPOINT_IGNORED') {
      followUps.set(record.value.causePosition, (followUps.get(record.value.causePosition) ?? 0) + 1);
    }
  }
  for (const record of records) {
    if (record.type === 'CHECKPOINT_CREATE') expect(followUps.get(record.position), `seed ${seed} CREATE at ${record.position}`).toBe(1);
  }
}
