// The backup manager with the real engine (deterministic scheduler) and a real filesystem store: what a completed backup holds.
import { afterEach, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import type { TestCluster } from '../engine/helpers.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { openBackupTestCluster, takeBackupAndWait } from '../support/backup-fixtures.js';
import { expectFilesMatch, segmentRecords } from '../support/backup-checks.js';
import { waitForBackup } from '../support/backup-fixtures.js';
import { startLoopbackS3 } from '../support/s3rver.js';
import { S3BackupStore } from '../../src/store/s3-backup-store.js';
import { BackupManager } from '../../src/backup/backup-manager.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { runEngine } from '../../src/engine/engine-runner.js';
import { Workload } from '../../src/engine/workload.js';
import { SeededRandom } from '../../src/random.js';
import { systemClock } from '../../src/clock.js';
import { unsyncedFileSystem } from '../engine/helpers.js';
import { eventually } from '../support/eventually.js';

const freshDirectory = temporaryDirectories('backup-manager');
let running: TestCluster | undefined;
afterEach(() => {
  running?.cluster.close();
  running = undefined;
});

async function startCluster(seed: number, overrides: Parameters<typeof openBackupTestCluster>[2] = {}) {
  const opened = openBackupTestCluster(seed, new FileSystemBackupStore(await freshDirectory()), overrides);
  running = opened;
  return opened;
}

describe('BackupManager', () => {
  it('takes a backup while the workload runs: every partition COMPLETED, valid manifests, matching files, the checkpoint inside the segments', async () => {
    const { cluster, manager, store, scheduler } = await startCluster(11);
    await manager.start(cluster);
    scheduler.run(800);
    const status = await takeBackupAndWait(cluster, manager, 7, { drive: () => scheduler.run(25) });
    expect(status.status).toBe('COMPLETED');
    expect(status.partitions.map((partition) => partition.partitionId)).toEqual([1, 2, 3]);
    const manifests = await listBackupManifests(store, 7);
    for (const manifest of manifests) {
      const d = manifest.descriptor;
      expect(manifest.status).toBe('COMPLETED');
      expect(d.snapshotProcessedPosition).toBeLessThanOrEqual(d.checkpointPosition);
      expect(d.partitionCount).toBe(3);
      expect(d.engineVersion).toBe('0.1.0');
      const files = await expectFilesMatch(store, manifest);
      const records = segmentRecords(files, path.join(await freshDirectory(), 'log'));
      expect(records[0]?.position).toBe(d.firstLogPosition);
      expect(records.at(-1)?.position).toBe(d.lastLogPosition);
      expect(d.firstLogPosition).toBeLessThanOrEqual(d.snapshotProcessedPosition + 1);
      const checkpoint = records.find((record) => record.position === d.checkpointPosition);
      expect(checkpoint?.type).toBe('CHECKPOINT_CREATE');
      expect(checkpoint?.type === 'CHECKPOINT_CREATE' && checkpoint.value.checkpointId).toBe(7);
      expect(checkpoint?.timestampMs).toBe(d.checkpointTimestampMs);
      if (d.snapshotId !== null) expect(manifest.files.map((file) => file.path)).toContain(`snapshot/${d.snapshotId}/state.db`);
      const confirmed = cluster
        .partition(manifest.id.partitionId)
        .confirmedBackups()
        .find((backup) => backup.checkpointId === 7);
      expect(confirmed).toMatchObject({ status: 'COMPLETED', checkpointPosition: d.checkpointPosition });
    }
    expect(manifests.some((manifest) => manifest.descriptor.snapshotId !== null)).toBe(true);
  });

  it('takes a backup to a real S3 server (s3rver) while the asynchronous engine runs its workload', async () => {
    const s3 = await startLoopbackS3();
    const store = new S3BackupStore({
      bucket: s3.bucket,
      prefix: 'async',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const transport = new InProcessTransport(systemClock, new SeededRandom(41));
    const manager = new BackupManager({ store, clock: systemClock });
    const cluster = Cluster.open({
      dataDirectory: await freshDirectory(),
      partitionCount: 3,
      nodeCount: 2,
      clock: systemClock,
      transport,
      backupHook: manager,
      segmentSizeBytes: 16 * 1024,
      snapshotIntervalRecords: 300,
      logFileSystem: unsyncedFileSystem,
    });
    const controller = new AbortController();
    try {
      await manager.start(cluster);
      const engine = runEngine({
        cluster,
        transport,
        clock: systemClock,
        workload: new Workload(cluster, new SeededRandom(42)),
        workloadPerSecond: 500,
        checkpointIntervalMs: 0,
        checkpointType: 'MARKER',
        signal: controller.signal,
      });
      // A backup of a log with something in it: over 100 records processed, however long that takes here.
      await eventually(() => cluster.partitions().reduce((sum, partition) => sum + partition.lastProcessedPosition, 0) > 100);
      const backupId = await manager.takeBackup();
      const status = await waitForBackup(cluster, manager, backupId, { drive: () => {}, pollIntervalMs: 20 });
      controller.abort();
      const progress = await engine;
      expect(status.status).toBe('COMPLETED');
      expect(status.partitions.map((partition) => [partition.partitionId, partition.nodeId])).toEqual([
        [1, 0],
        [2, 1],
        [3, 0],
      ]);
      expect(progress.recordsProcessed).toBeGreaterThan(100);
      for (const manifest of await listBackupManifests(store, backupId)) {
        const files = await expectFilesMatch(store, manifest);
        const records = segmentRecords(files, path.join(await freshDirectory(), 'log'));
        const checkpoint = records.find((record) => record.position === manifest.descriptor.checkpointPosition);
        expect(checkpoint?.type === 'CHECKPOINT_CREATE' && checkpoint.value.checkpointId).toBe(backupId);
        expect(manifest.descriptor.snapshotProcessedPosition).toBeLessThanOrEqual(manifest.descriptor.checkpointPosition);
      }
    } finally {
      controller.abort();
      await manager.close();
      cluster.close();
      await s3.close();
    }
  });
});
