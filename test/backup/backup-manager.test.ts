// The backup manager with the real engine (deterministic scheduler) and a real filesystem store: what a completed backup holds.
import { afterEach, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import type { TestCluster } from '../engine/helpers.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { openBackupTestCluster, takeBackupAndWait } from '../support/backup-fixtures.js';
import { expectFilesMatch, segmentRecords } from '../support/backup-checks.js';

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
    scheduler.run(1500);
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
      const confirmed = cluster.partition(manifest.id.partitionId).confirmedBackups().find((backup) => backup.checkpointId === 7);
      expect(confirmed).toMatchObject({ status: 'COMPLETED', checkpointPosition: d.checkpointPosition });
    }
    expect(manifests.some((manifest) => manifest.descriptor.snapshotId !== null)).toBe(true);
  });
});
