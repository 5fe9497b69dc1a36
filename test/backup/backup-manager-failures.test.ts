// The backup manager when things go wrong: store faults during upload, a crash mid-backup, a lost notification, id rules across restarts.
import { afterEach, describe, expect, it } from 'vitest';
import { BackupManager } from '../../src/backup/backup-manager.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { interruptedReason } from '../../src/backup/backup-reconcile.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { FaultInjectingBackupStore } from '../support/fault-injecting-backup-store.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { Workload } from '../../src/engine/workload.js';
import { openTestCluster } from '../engine/helpers.js';
import { CutlineError } from '../../src/errors.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { driveToQuiet, openBackupTestCluster, takeBackupAndWait, type BackupTestCluster } from '../support/backup-fixtures.js';
import { ManifestRecordingStore } from '../support/recording-backup-store.js';
import { expectFilesMatch } from '../support/backup-checks.js';
import { eventually } from '../support/eventually.js';

const freshDirectory = temporaryDirectories('backup-failures');
const opened: BackupTestCluster[] = [];
afterEach(async () => {
  for (const engine of opened.splice(0)) {
    await engine.manager.close();
    for (const partition of engine.cluster.partitions()) engine.cluster.crash(partition.partitionId);
  }
});

function open(seed: number, store: BackupStore, dataDirectory?: string): BackupTestCluster {
  const engine = openBackupTestCluster(seed, store, dataDirectory === undefined ? {} : { dataDirectory });
  opened.push(engine);
  return engine;
}

/** A data directory whose partitions processed SCHEDULED_BACKUP checkpoint `checkpointId` with no manager to notify (as a crash would lose it). */
async function dataDirectoryWithLostNotification(seed: number, checkpointId: number): Promise<string> {
  const directory = await freshDirectory();
  const lost = openTestCluster(seed, { partitionCount: 3, dataDirectory: directory, backupHook: { checkpointCreated: () => {} } });
  lost.cluster.triggerCheckpoint(checkpointId, 'SCHEDULED_BACKUP');
  for (const partition of lost.cluster.partitions()) partition.processAvailable();
  lost.cluster.close();
  return directory;
}

describe('BackupManager failures', () => {
  it('marks a partition backup FAILED (never COMPLETED) when the store fails during upload, and confirms FAILED', async () => {
    const recording = new ManifestRecordingStore(new FileSystemBackupStore(await freshDirectory()));
    const faulty = new FaultInjectingBackupStore(recording, new SeededRandom(3), {
      operations: ['put'],
      keyPrefix: 'chunks/2/',
      failProbability: 1,
    });
    const { cluster, manager, scheduler } = open(31, faulty);
    await manager.start(cluster);
    scheduler.run(600);
    const status = await takeBackupAndWait(cluster, manager, 4, { drive: () => scheduler.run(20) });
    expect(status.status).toBe('FAILED');
    expect(status.failureReason).toMatch(/^partition 2: injected fault: put chunks\/2\/\S+ failed$/);
    // Format v2: created, then the intent (every chunk referenced), then the outcome.
    expect(recording.manifestHistory.get('2/4')).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'FAILED']);
    expect(recording.manifestHistory.get('1/4')).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED']);
    const confirmed = cluster
      .partition(2)
      .confirmedBackups()
      .find((backup) => backup.checkpointId === 4);
    expect(confirmed).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('STORE_UNAVAILABLE: injected fault') as string });
    for (const manifest of await listBackupManifests(recording, 4))
      if (manifest.status === 'COMPLETED') await expectFilesMatch(recording, manifest);
    for (const partition of cluster.partitions()) expect(partition.snapshots.reserved(), `partition ${partition.partitionId}`).toEqual([]);
  });

  it('keeps every manifest IN_PROGRESS -> COMPLETED | FAILED under random store faults, and completed ones intact', async () => {
    const recording = new ManifestRecordingStore(new FileSystemBackupStore(await freshDirectory()));
    const faulty = new FaultInjectingBackupStore(recording, new SeededRandom(5), {
      operations: ['put'],
      keyPrefix: 'chunks/',
      failProbability: 0.15,
    });
    const { cluster, manager, scheduler } = open(32, faulty);
    await manager.start(cluster);
    for (const backupId of [1, 2, 3, 4]) {
      scheduler.run(150);
      await takeBackupAndWait(cluster, manager, backupId, { drive: () => scheduler.run(20) });
    }
    const histories = [...recording.manifestHistory.values()];
    expect(histories).toHaveLength(12);
    for (const history of histories)
      expect([
        ['IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED'],
        ['IN_PROGRESS', 'IN_PROGRESS', 'FAILED'],
      ]).toContainEqual(history);
    expect(histories.some((history) => history[2] === 'FAILED')).toBe(true);
    for (const backupId of [1, 2, 3, 4]) {
      for (const manifest of await listBackupManifests(recording, backupId)) {
        if (manifest.status === 'COMPLETED') await expectFilesMatch(recording, manifest);
        const confirmed = cluster
          .partition(manifest.id.partitionId)
          .confirmedBackups()
          .find((backup) => backup.checkpointId === backupId);
        expect(confirmed?.status).toBe(manifest.status);
      }
    }
    for (const partition of cluster.partitions()) expect(partition.snapshots.reserved(), `partition ${partition.partitionId}`).toEqual([]);
  });

  it('marks a backup interrupted by a crash FAILED on restart, never COMPLETED', async () => {
    const directory = await freshDirectory();
    const recording = new ManifestRecordingStore(new FileSystemBackupStore(await freshDirectory()));
    const slow = new FaultInjectingBackupStore(recording, new SeededRandom(9), {
      operations: ['put'],
      keyPrefix: 'chunks/',
      delayMsMax: 10_000,
    });
    const first = open(33, slow, directory);
    await first.manager.start(first.cluster);
    first.scheduler.run(400);
    await first.manager.takeBackup(6);
    driveToQuiet(first.cluster);
    // Every partition has written its intent and waits on its (slow) chunk uploads.
    const intentsWritten = (): boolean =>
      recording.manifestHistory.size === 3 && [...recording.manifestHistory.values()].every((history) => history.length === 2);
    await eventually(intentsWritten, 5);
    expect([...recording.manifestHistory.values()]).toEqual([
      ['IN_PROGRESS', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'IN_PROGRESS'],
    ]);
    // The process dies: uploads stop, nothing more is written, the partitions stop without a snapshot.
    await first.manager.close();
    for (const partitionId of first.cluster.partitionIds()) first.cluster.crash(partitionId);
    opened.splice(opened.indexOf(first), 1);

    const second = open(34, recording, directory);
    await second.manager.start(second.cluster);
    await second.manager.settled();
    driveToQuiet(second.cluster);
    for (const manifest of await listBackupManifests(recording, 6)) {
      expect(manifest).toMatchObject({ status: 'FAILED', failureReason: interruptedReason });
      expect(second.cluster.partition(manifest.id.partitionId).confirmedBackups()).toContainEqual(
        expect.objectContaining({ checkpointId: 6, status: 'FAILED', reason: interruptedReason }),
      );
    }
    expect([...recording.manifestHistory.values()]).toEqual([
      ['IN_PROGRESS', 'IN_PROGRESS', 'FAILED'],
      ['IN_PROGRESS', 'IN_PROGRESS', 'FAILED'],
      ['IN_PROGRESS', 'IN_PROGRESS', 'FAILED'],
    ]);
  });

  it('takes the backup of a checkpoint whose notification a crash lost, when the partition restarts', async () => {
    const directory = await dataDirectoryWithLostNotification(35, 8);
    const store = new FileSystemBackupStore(await freshDirectory());
    const engine = open(36, store, directory);
    await engine.manager.start(engine.cluster);
    await engine.manager.settled();
    driveToQuiet(engine.cluster);
    const manifests = await listBackupManifests(store, 8);
    expect(manifests.map((manifest) => [manifest.id.partitionId, manifest.status, manifest.descriptor.checkpointType])).toEqual([
      [1, 'COMPLETED', 'SCHEDULED_BACKUP'],
      [2, 'COMPLETED', 'SCHEDULED_BACKUP'],
      [3, 'COMPLETED', 'SCHEDULED_BACKUP'],
    ]);
    for (const manifest of manifests) await expectFilesMatch(store, manifest);
  });

  it('retries a reconcile the store failed at start in the background, and then takes the lost backup', async () => {
    const directory = await dataDirectoryWithLostNotification(37, 9);
    const store = new FileSystemBackupStore(await freshDirectory());
    // The store refuses the first listings: every partition's reconcile at start, and partition 1's first retry.
    let listFailures = 4;
    const flaky: BackupStore = {
      description: store.description,
      put: (key, body, options) => store.put(key, body, options),
      get: (key, options) => store.get(key, options),
      head: (key, options) => store.head(key, options),
      delete: (key, options) => store.delete(key, options),
      list: (prefix, options) => {
        if (listFailures-- > 0) throw new CutlineError('STORE_UNAVAILABLE', `listing ${prefix} failed (test)`);
        return store.list(prefix, options);
      },
    };
    const lines: string[] = [];
    const engine = openBackupTestCluster(38, flaky, { dataDirectory: directory }, { log: (line) => lines.push(line), reconcileRetryMs: 5 });
    opened.push(engine);
    await engine.manager.start(engine.cluster);
    await expect(listBackupManifests(store, 9)).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
    await eventually(() => lines.filter((line) => line.endsWith('reconciled after a retry')).length >= 3, 5);
    await engine.manager.settled();
    driveToQuiet(engine.cluster);
    expect((await listBackupManifests(store, 9)).map((manifest) => manifest.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(lines).toContain('backups of partition 1: reconcile failed, retrying in 5 ms: listing manifests/1/ failed (test)');
    expect(lines).toContain('backups of partition 1: reconcile failed again, retrying in 10 ms: listing manifests/1/ failed (test)');
  });

  it('fails the backup of a lost notification with a FAILED manifest when its snapshot and log are gone by the restart', async () => {
    const directory = await freshDirectory();
    const lost = openTestCluster(39, {
      partitionCount: 3,
      dataDirectory: directory,
      snapshotIntervalRecords: 40,
      segmentSizeBytes: 4096,
      backupHook: { checkpointCreated: () => {} },
    });
    lost.cluster.triggerCheckpoint(8, 'MANUAL_BACKUP');
    const workload = new Workload(lost.cluster, new SeededRandom(40));
    for (let round = 0; round < 400; round++) {
      workload.step();
      driveToQuiet(lost.cluster);
    }
    const checkpointPosition = lost.cluster.partition(1).state().checkpointPosition;
    expect(lost.cluster.partition(1).log.firstPosition).toBeGreaterThan(checkpointPosition);
    lost.cluster.close();
    const store = new FileSystemBackupStore(await freshDirectory());
    const engine = open(41, store, directory);
    await engine.manager.start(engine.cluster);
    await engine.manager.settled();
    driveToQuiet(engine.cluster);
    const manifest = (await listBackupManifests(store, 8))[0];
    expect(manifest).toMatchObject({
      status: 'FAILED',
      descriptor: { snapshotId: null, firstLogPosition: 1, lastLogPosition: checkpointPosition },
    });
    expect(manifest?.failureReason).toContain(
      `partition 1, backup 8: no snapshot at or before the checkpoint at ${checkpointPosition} remains`,
    );
    expect(engine.cluster.partition(1).confirmedBackups()).toContainEqual(expect.objectContaining({ checkpointId: 8, status: 'FAILED' }));
  });

  it('refuses ids at or below any earlier one, durably: after a restart even against an empty store', async () => {
    const directory = await freshDirectory();
    const first = open(37, new FileSystemBackupStore(await freshDirectory()), directory);
    await first.manager.start(first.cluster);
    await takeBackupAndWait(first.cluster, first.manager, 10);
    await expect(first.manager.takeBackup(10)).rejects.toMatchObject({ code: 'BACKUP_ID_CONFLICT' });
    await first.manager.close();
    first.cluster.close();
    opened.splice(opened.indexOf(first), 1);
    const second = open(38, new FileSystemBackupStore(await freshDirectory()), directory);
    await second.manager.start(second.cluster);
    for (const backupId of [10, 9]) await expect(second.manager.takeBackup(backupId)).rejects.toMatchObject({ code: 'BACKUP_ID_CONFLICT' });
    await expect(second.manager.takeBackup(0)).rejects.toMatchObject({ code: 'USAGE' });
    expect(await second.manager.takeBackup(11)).toBe(11);
    expect(await second.manager.takeBackup()).toBe(second.clock.nowMs());
    expect(await second.manager.takeBackup()).toBe(second.clock.nowMs() + 1);
  });
});

// A manager built by hand must be started before it takes backups.
it('BackupManager asserts start() ran before takeBackup', async () => {
  const manager = new BackupManager({ store: new FileSystemBackupStore(await freshDirectory()), clock: { nowMs: () => 0 } });
  await expect(manager.takeBackup(1)).rejects.toThrow('BackupManager.start(cluster) ran before any backup work');
});
