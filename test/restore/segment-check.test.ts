// The single-pass segment check restore runs in its worker threads: records up to the cut decode, commands are checked against sender cuts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { encodeRecord, type EngineRecordBody } from '../../src/engine/records.js';
import type { AppendRecord } from '../../src/log/log.js';
import { SegmentChecker, orphansKeptMax, type SegmentCheck, type SegmentCheckContext } from '../../src/restore/segment-check.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const directory = temporaryDirectories('segment-check');

const instance: EngineRecordBody = { type: 'CREATE_INSTANCE', value: { correlationKey: 'k' } };
const create = (checkpointId: number): EngineRecordBody => ({
  type: 'CHECKPOINT_CREATE',
  value: { checkpointId, checkpointType: 'MANUAL_BACKUP' },
});
const opened = (partitionId: number, position: number): EngineRecordBody => ({
  type: 'SUBSCRIPTION_OPENED',
  value: { source: { partitionId, position, checkpointId: 0, checkpointType: 'MARKER' }, instanceKey: '1-1' },
});
const notJson: AppendRecord = { timestampMs: 0, recordType: 16, payload: new TextEncoder().encode('{not json') };

/** The bytes of a one-segment log holding the records, from position 1. */
async function segmentOf(records: readonly (EngineRecordBody | AppendRecord)[]): Promise<Buffer> {
  const log = SegmentedLog.open({ directory: await directory() });
  for (const record of records) log.append(['payload' in record ? record : encodeRecord(record, 0)]);
  log.flush();
  const [segment] = log.segments();
  log.close();
  if (segment === undefined) throw new Error('the log has a segment');
  return readFileSync(segment.path);
}

/** Checks bytes fed in chunks of `chunkBytes`. */
function check(bytes: Buffer, context: Partial<SegmentCheckContext> & { cutPosition: number }, chunkBytes = 7): SegmentCheck {
  const checker = new SegmentChecker('test.log', { partitionId: 1, senderCuts: [[2, 10]], uncheckedPartitions: [], ...context });
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) checker.push(bytes.subarray(offset, offset + chunkBytes));
  return checker.finish();
}

describe('SegmentChecker', () => {
  it('counts commands whose sends lie within their sender cut, and ignores records after the cut', async () => {
    const bytes = await segmentOf([instance, opened(2, 3), opened(2, 10), create(1), opened(2, 11), notJson]);
    const result = check(bytes, { cutPosition: 4 });
    expect(result).toMatchObject({
      segmentId: 1,
      firstPosition: 1,
      lastPosition: 6,
      damage: undefined,
      malformed: undefined,
      commandsChecked: 2,
      commandsUnchecked: 0,
      orphans: [],
      orphanCount: 0,
    });
  });

  it('names both records of an orphan, and keeps only the first few while counting all', async () => {
    const orphanCount = orphansKeptMax + 3;
    const bytes = await segmentOf([...Array.from({ length: orphanCount }, (_, index) => opened(2, 11 + index)), create(1)]);
    const result = check(bytes, { cutPosition: orphanCount + 1 }, 64);
    expect(result.orphanCount).toBe(orphanCount);
    expect(result.orphans).toHaveLength(orphansKeptMax);
    expect(result.orphans[0]?.message).toBe(
      "orphan command: partition 1 position 1 (SUBSCRIPTION_OPENED, cut at 14) was sent by partition 2 position 11, after that partition's cut at 10",
    );
  });

  it('counts commands from a partition without a cut as unchecked only when the plan says it has no backup', async () => {
    const bytes = await segmentOf([opened(3, 5), create(1)]);
    expect(check(bytes, { cutPosition: 2, uncheckedPartitions: [3] })).toMatchObject({ commandsUnchecked: 1, orphanCount: 0 });
    expect(check(bytes, { cutPosition: 2 }).orphans[0]?.message).toBe(
      'orphan command: partition 1 position 1 (SUBSCRIPTION_OPENED, cut at 2) was sent by partition 3 position 5, a partition without a cut',
    );
  });

  it('reports the first record up to the cut whose payload is not shaped as a JSON object', async () => {
    const bytes = await segmentOf([instance, notJson, notJson, create(1)]);
    expect(check(bytes, { cutPosition: 4 }).malformed).toEqual({
      position: 2,
      message: 'record at position 2 (CREATE_INSTANCE) has a payload that is not a JSON object',
    });
  });

  it('reports where valid frames stop: a flipped payload bit is a CRC mismatch at that frame', async () => {
    const bytes = await segmentOf([instance, instance, create(1)]);
    const frameBytes = 26 + encodeRecord(instance, 0).payload.length;
    const damaged = Buffer.from(bytes);
    damaged[32 + frameBytes + 30] = (damaged[32 + frameBytes + 30] ?? 0) ^ 0x01;
    const result = check(damaged, { cutPosition: 3 });
    expect(result.lastPosition).toBe(1);
    expect(result.damage).toMatchObject({ kind: 'damaged', offset: 32 + frameBytes, position: 2, reason: 'a CRC mismatch' });
  });
});
