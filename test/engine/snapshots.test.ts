// Snapshots: checksummed copies at a processed position; reservations pin them and the log after them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, type TestCluster } from './helpers.js';
import { snapshotStateFile } from '../../src/engine/snapshot-store.js';
import { Workload } from '../../src/engine/workload.js';
import { SeededRandom } from '../../src/random.js';
import type { Partition } from '../../src/engine/partition.js';

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

/** Appends and processes `count` workload commands on a one-partition cluster (instances open subscriptions on itself). */
function generate(partition: Partition, test: TestCluster, count: number): void {
  const workload = new Workload(test.cluster, new SeededRandom(count));
  for (let index = 0; index < count; index++) {
    workload.step();
    test.transport.deliverDue();
    partition.processAvailable();
  }
}

describe('snapshots', () => {
  it('encode the processed and last written positions in the id, and verify their SHA-256 checksums', () => {
    running = openTestCluster(1, { partitionCount: 1, snapshotIntervalRecords: 0 });
    const partition = running.cluster.partition(1);
    partition.triggerCheckpoint(1, 'MARKER');
    generate(partition, running, 20);
    const snapshot = partition.takeSnapshot();
    const state = partition.state();
    expect(snapshot.metadata.snapshotId).toBe(`${state.lastProcessedPosition}-${state.lastWrittenPosition}`);
    expect(snapshot.metadata).toMatchObject({ processedPosition: state.lastProcessedPosition, checkpointId: 1 });
    expect(() => partition.snapshots.verify(snapshot)).not.toThrow();
    const file = path.join(snapshot.directory, snapshotStateFile);
    const bytes = fs.readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
    fs.writeFileSync(file, bytes);
    expect(() => partition.snapshots.verify(snapshot)).toThrow(/SNAPSHOT_CORRUPT|state\.db has SHA-256 [0-9a-f]{64}, CHECKSUMS says/);
  });

  it('recovery skips a corrupt newest snapshot and replays from an older one to the same state', () => {
    running = openTestCluster(2, { partitionCount: 1, snapshotIntervalRecords: 0 });
    const { cluster } = running;
    let partition = cluster.partition(1);
    generate(partition, running, 10);
    const older = partition.takeSnapshot();
    const reservation = partition.snapshots.reserve(older); // keeps the older one through the next prune
    generate(partition, running, 10);
    const newest = partition.takeSnapshot();
    reservation.release();
    const before = partition.dumpState();
    cluster.crash(1);
    fs.writeFileSync(path.join(newest.directory, snapshotStateFile), 'not a database');
    partition = cluster.start(1);
    expect(partition.dumpState()).toEqual(before);
  });

  it('compaction deletes only whole segments below the newest snapshot and every reserved one', () => {
    running = openTestCluster(3, { partitionCount: 1, snapshotIntervalRecords: 0, segmentSizeBytes: 4096 });
    const partition = running.cluster.partition(1);
    generate(partition, running, 60);
    const reserved = partition.snapshots.reserve(partition.takeSnapshot());
    const reservedPosition = reserved.snapshot.metadata.processedPosition;
    generate(partition, running, 200);
    const newest = partition.takeSnapshot();
    expect(partition.log.segments().length).toBeGreaterThan(3);
    // The reserved snapshot still needs every record after its processed position.
    expect(partition.log.firstPosition).toBeLessThanOrEqual(reservedPosition + 1);
    expect(partition.snapshots.list().map((s) => s.metadata.snapshotId)).toEqual([
      newest.metadata.snapshotId,
      reserved.snapshot.metadata.snapshotId,
    ]);
    reserved.release();
    partition.takeSnapshot();
    expect(partition.log.firstPosition).toBeGreaterThan(reservedPosition + 1);
    expect(partition.log.firstPosition).toBeLessThanOrEqual(newest.metadata.processedPosition + 1);
    for (const segment of partition.log.segments()) expect(segment.lastPosition).toBeGreaterThanOrEqual(segment.firstPosition - 1);
    expect(partition.snapshots.list()).toHaveLength(1);
  });

  it('newestAtOrBefore picks a snapshot whose processed AND last written positions are at or before the position', () => {
    running = openTestCluster(4, { partitionCount: 1, snapshotIntervalRecords: 0 });
    const partition = running.cluster.partition(1);
    generate(partition, running, 5);
    const first = partition.takeSnapshot();
    const checkpointPosition = partition.triggerCheckpoint(1, 'MANUAL_BACKUP');
    partition.processAvailable(checkpointPosition); // processes the checkpoint; its CHECKPOINT_CREATED lands after it
    const second = partition.takeSnapshot();
    expect(second.metadata.processedPosition).toBe(checkpointPosition);
    expect(second.metadata.lastWrittenPosition).toBe(checkpointPosition + 1);
    expect(partition.snapshots.newestAtOrBefore(checkpointPosition)?.metadata.snapshotId).toBe(first.metadata.snapshotId);
    expect(partition.snapshots.newestAtOrBefore(checkpointPosition + 1)?.metadata.snapshotId).toBe(second.metadata.snapshotId);
    // Unreserved, the first survives pruning as the newest clean snapshot, and the log after it stays.
    expect(partition.snapshots.list().map((s) => s.metadata.snapshotId)).toEqual([second.metadata.snapshotId, first.metadata.snapshotId]);
    expect(partition.log.firstPosition).toBeLessThanOrEqual(first.metadata.processedPosition + 1);
  });

  it('refuses to start with ENGINE_RECOVERY when the log was compacted and no snapshot covers its start', () => {
    running = openTestCluster(5, { partitionCount: 1, snapshotIntervalRecords: 0, segmentSizeBytes: 4096 });
    const { cluster } = running;
    const partition = cluster.partition(1);
    generate(partition, running, 150);
    partition.takeSnapshot();
    const firstPosition = partition.log.firstPosition;
    expect(firstPosition).toBeGreaterThan(1);
    cluster.crash(1);
    fs.rmSync(path.join(running.directory, 'partitions', '1', 'snapshots'), { recursive: true });
    let failure: unknown;
    try {
      cluster.start(1);
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'ENGINE_RECOVERY' });
    expect((failure as Error).message).toBe(
      `partition 1: the log starts at position ${firstPosition}, and no valid snapshot has a processed position from ${firstPosition - 1} to ${partition.log.lastPosition}`,
    );
    running = undefined; // nothing left open to close
  });
});
