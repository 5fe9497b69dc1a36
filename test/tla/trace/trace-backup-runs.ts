// Real protocol traces with backups and restores: the BackupManager takes backups, the real planners and executor restore them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/clock.js';
import { SeededRandom } from '../../../src/random.js';
import { ArrayTraceSink, type TraceEvent } from '../../../src/engine/trace-sink.js';
import { FileSystemBackupStore } from '../../../src/store/fs-backup-store.js';
import { listBackupManifests } from '../../../src/backup/manifest-store.js';
import { planBackupIdRestore } from '../../../src/restore/restore-planner.js';
import { planPointInTimeRestore } from '../../../src/restore/pitr-planner.js';
import { readPointInTimeListing } from '../../../src/restore/pitr-listing.js';
import { executeRestore } from '../../../src/restore/restore-executor.js';
import { restoredTraceEvent } from '../../../src/restore/restore-trace.js';
import type { RestorePlan } from '../../../src/restore/restore-plan.js';
import type { BackupStore } from '../../../src/store/backup-store.js';
import { partitionMetadataOf, writePartitionMetadata } from '../../../src/backup/backup-metadata.js';
import { openBackupTestCluster, takeBackupAndWait, type BackupTestCluster } from '../../support/backup-fixtures.js';

/** A traced run's events and what it did: the backup ids taken and the restores its trace ends with. */
export interface TracedBackupRun {
  readonly events: readonly TraceEvent[];
  readonly backupIds: readonly number[];
  readonly markerIds: readonly number[];
}

/** Restores `plan` into a fresh directory and returns the trace's `restored` event for the cuts the executor reports. */
async function restoreEvent(plan: RestorePlan, store: BackupStore, nowMs: number): Promise<TraceEvent> {
  const directory = fs.mkdtempSync(join(os.tmpdir(), 'cutline-trace-restore-'));
  try {
    const result = await executeRestore({
      plan,
      store,
      dataDirectory: join(directory, 'data'),
      parallelism: 1,
      clock: new ManualClock(nowMs),
      random: new SeededRandom(1),
    });
    return restoredTraceEvent(plan.target.backupId, result);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** Rounds of workload, each with a MARKER whose triggers reach the partitions late (so commands force some) and a backup. */
async function checkpointRounds(running: BackupTestCluster, rounds: number): Promise<{ backupIds: number[]; markerIds: number[] }> {
  const backupIds: number[] = [];
  const markerIds: number[] = [];
  let nextId = 1;
  for (let round = 0; round < rounds; round++) {
    running.scheduler.run(25);
    running.scheduler.nextCheckpointId = nextId;
    markerIds.push(running.scheduler.startCheckpoint());
    nextId++;
    running.scheduler.run(25);
    const status = await takeBackupAndWait(running.cluster, running.manager, nextId, { drive: () => running.scheduler.run(5) });
    if (status.status !== 'COMPLETED') throw new Error(`backup ${nextId} ended ${status.status}`);
    backupIds.push(nextId++);
  }
  running.scheduler.settle();
  await running.manager.settled();
  return { backupIds, markerIds };
}

/**
 * Seed `seed` on 3 partitions with the real BackupManager: `rounds` markers and backups, then a restore by
 * backup id of the first backup and a point-in-time restore to the last MARKER (inside the range the
 * backups make), through the real planners and executor. Restores run apart from the engine (as `cutline restore` does), so their events are appended here.
 */
export async function tracedBackupRun(seed: number, rounds = 2): Promise<TracedBackupRun> {
  const trace = new ArrayTraceSink();
  const storeDirectory = fs.mkdtempSync(join(os.tmpdir(), 'cutline-trace-store-'));
  const store = new FileSystemBackupStore(storeDirectory);
  const running = openBackupTestCluster(seed, store, { trace, snapshotIntervalRecords: 0 });
  try {
    await running.manager.start(running.cluster);
    const { backupIds, markerIds } = await checkpointRounds(running, rounds);
    const first = backupIds[0] as number;
    const marker = markerIds[markerIds.length - 1] as number;
    const nowMs = running.clock.nowMs();
    // What the continuous-backup service writes: each partition's checkpoints (the MARKERs too) for the planner.
    for (const partition of running.cluster.partitions())
      await writePartitionMetadata(store, partitionMetadataOf(partition, running.clock));
    const byId = planBackupIdRestore({ backupId: first, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(store, first) });
    const listing = await readPointInTimeListing(store);
    const pointInTime = planPointInTimeRestore({ target: { checkpointId: marker }, nodeId: 0, clusterSize: 1, ...listing });
    const restores = [await restoreEvent(byId, store, nowMs), await restoreEvent(pointInTime, store, nowMs)];
    return { events: [...trace.events, ...restores], backupIds, markerIds };
  } finally {
    await running.manager.close();
    running.cluster.close();
    fs.rmSync(storeDirectory, { recursive: true, force: true });
  }
}
