// Scheduled backups, continuous mode, ranges, metadata.json and retention with the real manager, engine and filesystem store.
import { afterEach, describe, expect, it } from 'vitest';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { listAll } from '../../src/store/backup-store.js';
import { contentsKeyPrefix, partitionManifestsPrefix, parseManifestKey } from '../../src/backup/backup-layout.js';
import { readManifest } from '../../src/backup/manifest-store.js';
import { rangesFromManifests } from '../../src/backup/ranges.js';
import { ContinuousBackups } from '../../src/backup/continuous-backups.js';
import { metadataFingerprint, partitionMetadataOf, readPartitionMetadata } from '../../src/backup/backup-metadata.js';
import type { BackupConfig } from '../../src/protocol/backup-config.js';
import type { BackupStore, PutBody, PutOptions } from '../../src/store/backup-store.js';
import type { Manifest } from '../../src/backup/manifest.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { startManagementApi } from '../../src/api/management-api.js';
import { BackupApiService } from '../../src/api/backup-api-service.js';
import type { BackupRuntimeState } from '../../src/backup/backup-runtime-state.js';
import type { PartitionStateAnswer } from '../../src/api/backup-api-service.js';

/** GET /backups/state as JSON: the manager's fields per partition plus the continuous-backup ones. */
type BackupsStateAnswer = Omit<BackupRuntimeState, 'partitions'> & { partitions: Required<PartitionStateAnswer>[] };
import { openBackupTestCluster, runContinuousSeconds, type BackupTestCluster } from '../support/backup-fixtures.js';

const freshDirectory = temporaryDirectories('continuous-backups');
let running: BackupTestCluster | undefined;
afterEach(async () => {
  await running?.manager.close();
  running?.cluster.close();
  running = undefined;
});

async function start(seed: number, config: BackupConfig) {
  const opened = openBackupTestCluster(seed, new FileSystemBackupStore(await freshDirectory()), {
    partitionCount: 2,
    continuousBackups: config.continuous,
  });
  running = opened;
  await opened.manager.start(opened.cluster);
  const service = new ContinuousBackups({ cluster: opened.cluster, clock: opened.clock, config, manager: opened.manager });
  const runFor = (seconds: number) => runContinuousSeconds(opened, service, seconds);
  return { ...opened, service, runFor };
}

async function partitionManifests(store: BackupStore, partitionId: number): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const entry of await listAll(store, partitionManifestsPrefix(partitionId))) {
    const id = parseManifestKey(entry.key);
    if (id !== undefined) manifests.push(await readManifest(store, id));
  }
  return manifests;
}

const config: BackupConfig = {
  continuous: true,
  checkpointIntervalMs: 10_000,
  scheduleMs: 30_000,
  retentionWindowMs: 70_000,
  retentionCleanupScheduleMs: 20_000,
  compression: 'gzip',
};

describe('continuous backups with the scheduler and retention', () => {
  it('form one range per partition that retention shrinks from the old end; state, manifests and metadata.json agree', async () => {
    const { service, runFor, cluster, store, clock } = await start(41, config);
    await runFor(145);
    const backups = service.schedulers.emitted().filter((e) => e.checkpointType === 'SCHEDULED_BACKUP');
    expect(backups.length).toBe(5);
    for (const partition of cluster.partitions()) {
      const manifests = await partitionManifests(store, partition.partitionId);
      const fromStore = rangesFromManifests(manifests);
      const ranges = partition.backupState.ranges();
      expect(ranges).toEqual(fromStore.ranges);
      expect(ranges).toHaveLength(1); // continuous mode: every backup continues the previous one
      // Retention ran at 141 s with a 70 s window: the backups of 1 s, 31 s and 61 s are gone, 91 s and 121 s stay.
      const deleted = manifests.filter((m) => m.status === 'DELETED').map((m) => m.id.checkpointId);
      expect(deleted).toEqual(backups.slice(0, 3).map((b) => b.checkpointId));
      expect(ranges[0]?.checkpointIds).toEqual(backups.slice(3).map((b) => b.checkpointId));
      for (const id of deleted)
        expect(await listAll(store, contentsKeyPrefix({ partitionId: partition.partitionId, checkpointId: id, nodeId: 0 }))).toEqual([]);
      const stored = await readPartitionMetadata(store, partition.partitionId);
      expect(stored).toBeDefined();
      // What a restore depends on agrees; checkpoints after the last backup's are written with the next backup.
      const now = partitionMetadataOf(partition, clock);
      expect(metadataFingerprint(stored!)).toBe(metadataFingerprint(now));
      expect(stored!.checkpoints.length).toBeGreaterThan(3);
      const lastCut = Math.max(...now.ranges.map((range) => range.lastCutPosition));
      expect(stored!.checkpoints.filter((c) => c.checkpointPosition <= lastCut)).toEqual(
        now.checkpoints.filter((c) => c.checkpointPosition <= lastCut),
      );
    }
    const api = await startManagementApi(new BackupApiService(cluster, running!.manager, service), 0);
    try {
      const state = (await (await fetch(`${api.url}/backups/state`)).json()) as BackupsStateAnswer;
      expect(state.scheduler.activeNodeId).toBe(0);
      expect(state.config).toMatchObject({ continuous: true, checkpointInterval: 'PT10S', schedule: 'PT30S', retentionWindow: 'PT1M10S' });
      expect(state.partitions.map((p) => p.ranges.length)).toEqual([1, 1]);
      expect(state.partitions.map((p) => p.nodeId)).toEqual([0, 0]);
      expect(state.partitions[0]?.checkpoints.at(-1)?.checkpointTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(state.partitions[0]?.backups.filter((b) => b.status === 'DELETED')).toHaveLength(3);
    } finally {
      await api.close();
    }
  });

  it('never deletes the newest completed backup, however old', async () => {
    const { service, runFor, store, clock } = await start(42, { ...config, scheduleMs: 1_000_000, checkpointIntervalMs: undefined });
    await runFor(2);
    clock.advance(10 * 60_000);
    const run = await service.runRetentionNow();
    expect(run).toEqual({ deleted: [], failed: [] });
    const manifests = await partitionManifests(store, 1);
    expect(manifests.map((m) => m.status)).toEqual(['COMPLETED']);
  });

  it('rewrites metadata.json when a backup joins the ranges, not for every MARKER after them', async () => {
    const puts = new Map<string, number>();
    const directory = await freshDirectory();
    const store = new (class extends FileSystemBackupStore {
      override async put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
        await super.put(key, body, options);
        if (key.startsWith('metadata/')) puts.set(key, (puts.get(key) ?? 0) + 1);
      }
    })(directory);
    const opened = openBackupTestCluster(43, store, { partitionCount: 2, continuousBackups: true });
    running = opened;
    await opened.manager.start(opened.cluster);
    const frequent = { ...config, checkpointIntervalMs: 2_000, scheduleMs: 20_000, retentionWindowMs: undefined };
    const service = new ContinuousBackups({ cluster: opened.cluster, clock: opened.clock, config: frequent, manager: opened.manager });
    await runContinuousSeconds(opened, service, 100);
    const markers = service.schedulers.emitted().filter((e) => e.checkpointType === 'MARKER').length;
    const backups = service.schedulers.emitted().filter((e) => e.checkpointType === 'SCHEDULED_BACKUP').length;
    expect(markers).toBeGreaterThanOrEqual(40);
    for (const partition of opened.cluster.partitions()) {
      const written = puts.get(`metadata/${partition.partitionId}/metadata.json`) ?? 0;
      // The first sync, then one per backup that joined the ranges: every MARKER would be over 40.
      expect(written).toBeGreaterThan(1);
      expect(written).toBeLessThanOrEqual(backups + 1);
      const stored = await readPartitionMetadata(store, partition.partitionId);
      expect(stored?.ranges.at(-1)?.end.checkpointId).toBe(partition.backupState.ranges().at(-1)?.end.checkpointId);
    }
  });
});
