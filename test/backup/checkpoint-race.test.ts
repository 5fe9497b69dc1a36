// A manual backup racing the checkpoint scheduler: why the real engine never writes CHECKPOINT_IGNORED, and when an engine does.
import { afterEach, describe, expect, it } from 'vitest';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { ContinuousBackups } from '../../src/backup/continuous-backups.js';
import { decodeRecord, type EngineRecord } from '../../src/engine/records.js';
import type { Cluster } from '../../src/engine/cluster.js';
import { allRecords } from '../engine/helpers.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { driveToQuiet, openBackupTestCluster, type BackupTestCluster } from '../support/backup-fixtures.js';
import { tracedRun } from '../tla/trace/trace-runs.js';

const freshDirectory = temporaryDirectories('checkpoint-race');
let running: BackupTestCluster | undefined;
afterEach(async () => {
  await running?.manager.close();
  running?.cluster.close();
  running = undefined;
});

function checkpointRecords(cluster: Cluster): EngineRecord[] {
  return cluster.partitions().flatMap((partition) => allRecords(partition).map(decodeRecord));
}

describe('a manual backup racing the checkpoint scheduler', () => {
  it('never leads to CHECKPOINT_IGNORED in the real engine: ids rise under one rule and reach every partition at once', async () => {
    running = openBackupTestCluster(71, new FileSystemBackupStore(await freshDirectory()), { partitionCount: 3, continuousBackups: true });
    const { cluster, clock, manager, scheduler } = running;
    await manager.start(cluster);
    const config = {
      continuous: true,
      checkpointIntervalMs: 1_000,
      scheduleMs: 3_000,
      retentionWindowMs: undefined,
      retentionCleanupScheduleMs: undefined,
      compression: 'gzip' as const,
    };
    const service = new ContinuousBackups({ cluster, clock, config, manager });
    const manual: number[] = [];
    for (let second = 0; second < 12; second++) {
      scheduler.run(5);
      clock.advance(1_000);
      // The manual trigger and the scheduler's tick start together and interleave at every await.
      const [id] = await Promise.all([manager.takeBackup(), service.tick()]);
      manual.push(id);
      await manager.settled();
      driveToQuiet(cluster);
    }
    const records = checkpointRecords(cluster);
    const created = records.filter((record) => record.type === 'CHECKPOINT_CREATED');
    // Every manual backup and every scheduled marker and backup was created, on every partition; none ignored.
    expect(new Set(created.map((record) => record.value.checkpointId)).size).toBeGreaterThan(manual.length + 10);
    expect(records.filter((record) => record.type === 'CHECKPOINT_IGNORED')).toEqual([]);
    for (const partition of cluster.partitions()) {
      const ids = allRecords(partition)
        .map(decodeRecord)
        .flatMap((record) => (record.type === 'CHECKPOINT_CREATE' ? [record.value.checkpointId] : []));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('leads to CHECKPOINT_IGNORED when triggers reach partitions late (a gateway fan-out, as the simulator models it)', () => {
    // Partition q may get a command that forces checkpoint c+1 before the trigger of c arrives; c is then ignored:
    // its CHECKPOINT_CREATE is processed without moving the checkpoint, and the engine writes CHECKPOINT_IGNORED.
    const { events } = tracedRun(1, 300);
    const ignored = events.filter(
      (event) =>
        event.event === 'record-processed' && event.recordType === 'CHECKPOINT_CREATE' && event.checkpointPosition !== event.position,
    );
    expect(ignored.length).toBeGreaterThan(0);
  });
});
