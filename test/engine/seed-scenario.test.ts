// The seed's scenario (hot-backups-inner-workings.txt), scripted step by step, with and without piggybacking.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, decodedRecords, orphansAt, type TestCluster } from './helpers.js';
import { partitionForKey } from '../../src/engine/partitioning.js';
import type { PartitionTestOptions } from '../../src/engine/partition-config.js';

/** A correlation key owned by partition 2 of 2, so partition 1's instance must ask partition 2. */
function keyOnPartitionTwo(): string {
  for (let index = 0; ; index++) if (partitionForKey(`order-${index}`, 2) === 2) return `order-${index}`;
}

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

/**
 * Partition 2 takes checkpoint 1 before partition 1 sends its request; partition 1 learns of checkpoint 1
 * only from partition 2's acknowledgement; the external trigger reaches partition 1 last.
 */
function runSeedSchedule(testOnly: PartitionTestOptions): TestCluster {
  running = openTestCluster(1, { testOnly });
  const { cluster, transport } = running;
  const [one, two] = [cluster.partition(1), cluster.partition(2)];
  two.triggerCheckpoint(1, 'MANUAL_BACKUP');
  two.processAvailable();
  one.submit({ type: 'CREATE_INSTANCE', value: { correlationKey: keyOnPartitionTwo() } });
  one.processAvailable();
  expect(transport.pending().map((entry) => entry.command.body.type)).toEqual(['OPEN_SUBSCRIPTION']);
  expect(transport.pending()[0]?.command.body.value.source.checkpointId).toBe(0);
  transport.deliverDue();
  two.processAvailable();
  expect(transport.pending().map((entry) => entry.command.body.type)).toEqual(['SUBSCRIPTION_OPENED']);
  transport.deliverDue();
  one.processAvailable();
  one.triggerCheckpoint(1, 'MANUAL_BACKUP');
  one.processAvailable();
  return running;
}

describe('the seed scenario', () => {
  it('partition 1 writes CHECKPOINT_CREATE before the acknowledgement carrying id 1, and the cut has no orphan', () => {
    const { cluster, hook } = runSeedSchedule({});
    const records = decodedRecords(cluster.partition(1));
    const types = records.map((record) => record.type);
    const ackIndex = types.indexOf('SUBSCRIPTION_OPENED');
    const forced = records[ackIndex - 1];
    expect(forced?.type).toBe('CHECKPOINT_CREATE');
    expect(forced?.type === 'CHECKPOINT_CREATE' && forced.value).toEqual({
      checkpointId: 1,
      checkpointType: 'MANUAL_BACKUP',
      forcedBy: { partitionId: 2, position: expect.any(Number) as number },
    });
    // The acknowledgement keeps the sender's fields: partition 2, the OPEN_SUBSCRIPTION's position, checkpoint 1.
    const ack = records[ackIndex];
    const openOnTwo = decodedRecords(cluster.partition(2)).find((record) => record.type === 'OPEN_SUBSCRIPTION');
    expect(ack?.type === 'SUBSCRIPTION_OPENED' && ack.value.source).toEqual({
      partitionId: 2,
      position: openOnTwo?.position,
      checkpointId: 1,
      checkpointType: 'MANUAL_BACKUP',
    });
    // The late external trigger is ignored: partition 1 already has checkpoint 1.
    expect(types.slice(-2)).toEqual(['CHECKPOINT_CREATE', 'CHECKPOINT_IGNORED']);
    expect(orphansAt(cluster.partitions(), 1)).toEqual([]);
    expect(hook.created.map((c) => [c.partitionId, c.checkpointId, c.checkpointType])).toEqual([
      [2, 1, 'MANUAL_BACKUP'],
      [1, 1, 'MANUAL_BACKUP'],
    ]);
    expect(hook.created[1]?.checkpointPosition).toBe(forced?.position);
  });

  it("without piggybacking the same schedule leaves an orphan: the acknowledgement sits inside partition 1's cut", () => {
    const { cluster } = runSeedSchedule({ piggybacking: false });
    const orphans = orphansAt(cluster.partitions(), 1);
    expect(orphans).toHaveLength(1);
    const ack = decodedRecords(cluster.partition(1)).find((record) => record.type === 'SUBSCRIPTION_OPENED');
    const open = decodedRecords(cluster.partition(2)).find((record) => record.type === 'OPEN_SUBSCRIPTION');
    expect(orphans[0]).toMatchObject({
      receiverPartitionId: 1,
      receiverPosition: ack?.position,
      recordType: 'SUBSCRIPTION_OPENED',
      senderPartitionId: 2,
      senderPosition: open?.position,
    });
    expect(orphans[0]?.message).toMatch(
      /partition 1 position \d+ \(SUBSCRIPTION_OPENED.*partition 2 position \d+, after that partition's cut at \d+/,
    );
  });

  it('processing the command before appending CHECKPOINT_CREATE also leaves an orphan', () => {
    const { cluster } = runSeedSchedule({ processBeforeCheckpoint: true });
    expect(orphansAt(cluster.partitions(), 1)).toHaveLength(1);
  });
});
