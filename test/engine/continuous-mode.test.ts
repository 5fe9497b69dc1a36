// Continuous mode: compaction keeps every record no completed backup holds yet, and moves on once one completes.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, type TestCluster } from './helpers.js';
import type { Partition } from '../../src/engine/partition.js';
import type { BackupCoverage } from '../../src/engine/records.js';

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

let nextId = 1;
/** Appends and processes `count` MARKER checkpoints (two records each), then snapshots, which compacts. */
function grow(partition: Partition, count: number): void {
  for (let index = 0; index < count; index++) partition.triggerCheckpoint(nextId++, 'MARKER');
  partition.processAvailable();
  partition.takeSnapshot();
}

/** A backup without a snapshot whose segments run from position 1 to the end of the log. */
function coverage(partition: Partition): BackupCoverage {
  return {
    checkpointType: 'SCHEDULED_BACKUP',
    checkpointTimestampMs: 0,
    snapshotProcessedPosition: 0,
    firstLogPosition: 1,
    lastLogPosition: partition.log.lastPosition,
  };
}

describe('continuous mode', () => {
  it('keeps the whole log while no backup completed, while one is pending, and while the newest one failed', () => {
    running = openTestCluster(11, { partitionCount: 1, continuousBackups: true });
    const partition = running.cluster.partition(1);
    grow(partition, 600);
    expect(partition.log.segments().length).toBeGreaterThan(3);
    expect(partition.log.firstPosition).toBe(1);
    const pendingId = nextId++;
    const pending = partition.triggerCheckpoint(pendingId, 'SCHEDULED_BACKUP');
    grow(partition, 600);
    expect(partition.log.firstPosition).toBe(1);
    partition.confirmBackup(pendingId, pending, 'FAILED', 'store unavailable');
    grow(partition, 600);
    expect(partition.log.firstPosition).toBe(1);
  });

  it('compacts up to right after the newest completed backup once it completes, not beyond', () => {
    running = openTestCluster(12, { partitionCount: 1, continuousBackups: true });
    const partition = running.cluster.partition(1);
    grow(partition, 400);
    const firstId = nextId++;
    const first = partition.triggerCheckpoint(firstId, 'SCHEDULED_BACKUP');
    grow(partition, 400);
    partition.confirmBackup(firstId, first, 'COMPLETED', undefined, coverage(partition));
    grow(partition, 400);
    expect(partition.log.firstPosition).toBeGreaterThan(1);
    expect(partition.log.firstPosition).toBeLessThanOrEqual(first + 1);
    const secondId = nextId++;
    const second = partition.triggerCheckpoint(secondId, 'SCHEDULED_BACKUP');
    partition.processAvailable();
    partition.confirmBackup(secondId, second, 'FAILED', 'disk full');
    grow(partition, 400);
    expect(partition.log.firstPosition).toBeLessThanOrEqual(first + 1);
  });

  it('is off by default: the same log compacts below the newest snapshot', () => {
    running = openTestCluster(13, { partitionCount: 1 });
    const partition = running.cluster.partition(1);
    grow(partition, 600);
    expect(partition.log.firstPosition).toBeGreaterThan(1);
  });
});
