// The pure consistency checker on hand-made logs: cuts, orphans, and the messages that name both records.
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/log/log.js';
import { encodeRecord, type EngineRecordBody } from '../../src/engine/records.js';
import { cutPositionFor, findOrphans } from '../../src/engine/consistency.js';

function log(...bodies: EngineRecordBody[]): LogRecord[] {
  return bodies.map((body, index) => ({ ...encodeRecord(body, 0), position: index + 1 }));
}
const create = (checkpointId: number): EngineRecordBody => ({
  type: 'CHECKPOINT_CREATE',
  value: { checkpointId, checkpointType: 'MARKER' },
});
const opened = (partitionId: number, position: number, instanceKey = '1-1'): EngineRecordBody => ({
  type: 'SUBSCRIPTION_OPENED',
  value: { source: { partitionId, position, checkpointId: 0, checkpointType: 'MARKER' }, instanceKey },
});
const instance: EngineRecordBody = { type: 'CREATE_INSTANCE', value: { correlationKey: 'k' } };

describe('cutPositionFor', () => {
  it('is the first CHECKPOINT_CREATE with an id at or above the asked one', () => {
    const records = log(instance, create(1), instance, create(3), create(4));
    expect(cutPositionFor(records, 1)).toBe(2);
    expect(cutPositionFor(records, 2)).toBe(4);
    expect(cutPositionFor(records, 4)).toBe(5);
    expect(cutPositionFor(records, 5)).toBeUndefined();
  });
});

describe('findOrphans', () => {
  it('accepts commands sent at or before the sender cut, and ignores records after the receiver cut', () => {
    const sender = log(instance, instance, create(1), instance);
    const receiver = log(opened(2, 2), create(1), opened(2, 4));
    expect(
      findOrphans([
        { partitionId: 1, cutPosition: 2, records: receiver },
        { partitionId: 2, cutPosition: 3, records: sender },
      ]),
    ).toEqual([]);
  });

  it('reports a command received inside the cut but sent after the sender cut, naming both records', () => {
    const sender = log(create(1), instance);
    const receiver = log(instance, opened(2, 2), create(1));
    const orphans = findOrphans([
      { partitionId: 1, cutPosition: 3, records: receiver },
      { partitionId: 2, cutPosition: 1, records: sender },
    ]);
    expect(orphans).toEqual([
      {
        receiverPartitionId: 1,
        receiverPosition: 2,
        recordType: 'SUBSCRIPTION_OPENED',
        receiverCutPosition: 3,
        senderPartitionId: 2,
        senderPosition: 2,
        senderCutPosition: 1,
        message:
          "orphan command: partition 1 position 2 (SUBSCRIPTION_OPENED, cut at 3) was sent by partition 2 position 2, after that partition's cut at 1",
      },
    ]);
  });

  it('reports a command from a partition that has no cut at all', () => {
    const orphans = findOrphans([{ partitionId: 1, cutPosition: 2, records: log(opened(5, 9), create(1)) }]);
    expect(orphans.map((orphan) => orphan.message)).toEqual([
      'orphan command: partition 1 position 1 (SUBSCRIPTION_OPENED, cut at 2) was sent by partition 5 position 9, a partition without a cut',
    ]);
  });

  it('reports a command addressed to another partition by its instance key, whatever the cuts: nobody sent it here', () => {
    const sender = log(instance, instance, create(1));
    const receiver = log(opened(2, 1, '3-7'), opened(2, 2, '1-4'), create(1));
    const orphans = findOrphans([
      { partitionId: 1, cutPosition: 3, records: receiver },
      { partitionId: 2, cutPosition: 3, records: sender },
    ]);
    expect(orphans.map((orphan) => [orphan.receiverPosition, orphan.addressedTo, orphan.message])).toEqual([
      [
        1,
        3,
        'orphan command: partition 1 position 1 (SUBSCRIPTION_OPENED, cut at 3) is addressed to partition 3 (instance 3-7); no partition sent it to partition 1',
      ],
    ]);
  });
});
