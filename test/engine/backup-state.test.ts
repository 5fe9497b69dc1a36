// The backup part of a partition's state: checkpoints with timestamps, ranges from confirmations, deletions, all rebuilt by replay.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openTestCluster, temporaryDirectory, type TestCluster } from './helpers.js';
import { StateStore } from '../../src/engine/state-store.js';
import type { Partition } from '../../src/engine/partition.js';

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

/** Creates backup checkpoint `id`, confirms it COMPLETED with a log from `firstLogPosition`; returns its position. */
function completedBackup(partition: Partition, id: number, firstLogPosition: number): number {
  const position = partition.triggerCheckpoint(id, 'SCHEDULED_BACKUP');
  partition.processAvailable();
  const coverage = {
    checkpointType: 'SCHEDULED_BACKUP' as const,
    checkpointTimestampMs: id * 1000,
    snapshotProcessedPosition: firstLogPosition - 1,
    firstLogPosition,
    lastLogPosition: position + 1,
  };
  partition.confirmBackup(id, position, 'COMPLETED', undefined, coverage);
  partition.processAvailable();
  return position;
}

describe('backup state of a partition', () => {
  it('keeps every created checkpoint with its record timestamp, and the last backup checkpoint', () => {
    running = openTestCluster(21, { partitionCount: 1 });
    const { cluster, clock } = running;
    const partition = cluster.partition(1);
    const marker = partition.triggerCheckpoint(1, 'MARKER');
    clock.advance(1_000);
    const backup = partition.triggerCheckpoint(2, 'SCHEDULED_BACKUP');
    clock.advance(1_000);
    partition.triggerCheckpoint(2, 'MARKER'); // ignored: not a checkpoint of its own
    const last = partition.triggerCheckpoint(3, 'MARKER');
    partition.processAvailable();
    const t0 = 1_700_000_000_000;
    expect(partition.backupState.checkpoints()).toEqual([
      { checkpointId: 1, checkpointType: 'MARKER', checkpointPosition: marker, checkpointTimestampMs: t0 },
      { checkpointId: 2, checkpointType: 'SCHEDULED_BACKUP', checkpointPosition: backup, checkpointTimestampMs: t0 + 1_000 },
      { checkpointId: 3, checkpointType: 'MARKER', checkpointPosition: last, checkpointTimestampMs: t0 + 2_000 },
    ]);
    expect(partition.backupState.lastBackupCheckpoint()?.checkpointId).toBe(2);
    expect(partition.backupState.lastCheckpoint()?.checkpointId).toBe(3);
  });

  it('builds ranges from COMPLETED confirmations, splits one when a middle backup is deleted, and replay rebuilds all of it', () => {
    running = openTestCluster(22, { partitionCount: 1 });
    const { cluster } = running;
    const partition = cluster.partition(1);
    const p1 = completedBackup(partition, 10, 1);
    const p2 = completedBackup(partition, 20, p1 + 1);
    const failed = partition.triggerCheckpoint(25, 'SCHEDULED_BACKUP');
    partition.processAvailable();
    partition.confirmBackup(25, failed, 'FAILED', 'store unavailable');
    completedBackup(partition, 30, p2 + 1);
    expect(rangeIds(partition)).toEqual([[10, 20, 30]]);
    partition.recordBackupDeleted(20);
    partition.recordBackupDeleted(99); // never confirmed here: no change
    partition.processAvailable();
    expect(rangeIds(partition)).toEqual([[10], [30]]);
    const before = partition.dumpState();
    cluster.crash(1);
    const recovered = cluster.start(1);
    expect(recovered.dumpState()).toEqual(before);
    expect(recovered.backupState.ranges().map((range) => [range.firstCutPosition, range.lastCutPosition])).toEqual([
      [1, p1],
      [p2 + 1, recovered.backupState.ranges()[1]?.end.checkpointPosition],
    ]);
  });

  it('forgets checkpoints before the oldest range once backups are deleted', () => {
    running = openTestCluster(23, { partitionCount: 1 });
    const partition = running.cluster.partition(1);
    partition.triggerCheckpoint(1, 'MARKER');
    const p5 = completedBackup(partition, 5, 1);
    partition.triggerCheckpoint(6, 'MARKER');
    partition.processAvailable();
    completedBackup(partition, 7, p5 + 1);
    partition.recordBackupDeleted(5);
    partition.processAvailable();
    expect(partition.backupState.checkpoints().map((c) => c.checkpointId)).toEqual([6, 7]);
  });
});

function rangeIds(partition: Partition): number[][] {
  return partition.backupState.ranges().map((range) => [...range.checkpointIds]);
}

describe('an older state database', () => {
  it('gets the coverage columns of backups added when opened, and keeps its rows', () => {
    const file = `${temporaryDirectory('old-state')}/state.db`;
    const old = new Database(file);
    old.exec(`CREATE TABLE backups (checkpoint_id INTEGER PRIMARY KEY, checkpoint_position INTEGER NOT NULL,
      status TEXT NOT NULL, reason TEXT, confirmed_position INTEGER NOT NULL);
      INSERT INTO backups VALUES (3, 17, 'COMPLETED', NULL, 20);`);
    old.close();
    const store = new StateStore(file);
    try {
      expect(store.backupState.backups()).toEqual([
        {
          checkpointId: 3,
          checkpointPosition: 17,
          status: 'COMPLETED',
          reason: null,
          confirmedPosition: 20,
          checkpointType: null,
          checkpointTimestampMs: null,
          snapshotProcessedPosition: null,
          firstLogPosition: null,
          lastLogPosition: null,
        },
      ]);
    } finally {
      store.close();
    }
  });
});
