// A backup's snapshot lies near its checkpoint (backupSnapshotLagRecordsMax), so that a restored engine starts without a long replay.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { Workload } from '../../src/engine/workload.js';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { driveToQuiet, openBackupTestCluster, takeBackupAndWait, type BackupTestCluster } from '../support/backup-fixtures.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { planFromStore, restore } from './restore-helpers.js';

const freshDirectory = temporaryDirectories('backup-snapshot-lag');
let running: BackupTestCluster | undefined;
afterEach(() => {
  running?.cluster.close();
  running = undefined;
});

/** Runs a cluster without periodic snapshots past `records` records a partition, then takes backup 1. */
async function backUp(backupSnapshotLagRecordsMax: number) {
  const store = new FileSystemBackupStore(await freshDirectory());
  const opened = openBackupTestCluster(23, store, { partitionCount: 2, snapshotIntervalRecords: 0, backupSnapshotLagRecordsMax });
  running = opened;
  await opened.manager.start(opened.cluster);
  while (opened.cluster.partitions().some((partition) => partition.log.lastPosition < 400)) opened.scheduler.run(100);
  driveToQuiet(opened.cluster);
  const status = await takeBackupAndWait(opened.cluster, opened.manager, 1, { drive: () => opened.scheduler.run(20) });
  expect(status.status).toBe('COMPLETED');
  return { store, manifests: await listBackupManifests(store, 1) };
}

describe('the snapshot of a backup', () => {
  it('is taken just before the checkpoint when the newest one lies further back, and the restored engine starts from it', async () => {
    const { store, manifests } = await backUp(50);
    expect(manifests).toHaveLength(2);
    for (const { descriptor } of manifests) {
      expect(descriptor.checkpointPosition).toBeGreaterThan(400);
      // The engine was quiet when the checkpoint was appended: everything before it was processed.
      expect(descriptor.snapshotId).not.toBeNull();
      expect(descriptor.snapshotProcessedPosition).toBe(descriptor.checkpointPosition - 1);
    }
    const dataDirectory = path.join(await freshDirectory(), 'restored');
    await restore(await planFromStore(store, 1), store, dataDirectory);
    for (const { id, descriptor } of manifests) {
      const snapshots = readdirSync(path.join(dataDirectory, 'partitions', String(id.partitionId), 'snapshots'));
      expect(snapshots).toEqual([descriptor.snapshotId]);
    }
    const clock = new ManualClock(1_800_000_000_000);
    const transport = new InProcessTransport(clock, new SeededRandom(5));
    const cluster = Cluster.open({ dataDirectory, partitionCount: 2, nodeCount: 1, clock, transport, snapshotIntervalRecords: 0 });
    try {
      for (const partition of cluster.partitions()) {
        const descriptor = manifests.find((manifest) => manifest.id.partitionId === partition.partitionId)?.descriptor;
        expect(partition.state().lastProcessedPosition).toBeGreaterThanOrEqual(descriptor?.checkpointPosition ?? Infinity);
        expect(partition.state().checkpointId).toBe(1);
      }
      const before = cluster.partitions().map((partition) => partition.state().lastProcessedPosition);
      new Workload(cluster, new SeededRandom(3)).createOne();
      driveToQuiet(cluster);
      expect(cluster.partitions().map((partition) => partition.state().lastProcessedPosition)).not.toEqual(before);
    } finally {
      cluster.close();
    }
  });

  it('is the whole log when the limit is off and the engine took no snapshot (the replay starts at position 1)', async () => {
    const { manifests } = await backUp(0);
    for (const { descriptor } of manifests) {
      expect(descriptor.snapshotId).toBeNull();
      expect(descriptor.firstLogPosition).toBe(1);
    }
  });
});
