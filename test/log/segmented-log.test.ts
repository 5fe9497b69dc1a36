// Round trips through SegmentedLog: append, roll, read, get, reopen, flush and limits.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { recordPayloadBytesMax } from '../../src/limits.js';
import { storedAll, temporaryDirectory, testRecord, testRecords } from './log-fixtures.js';

describe('SegmentedLog', () => {
  it('starts empty at position 1 with one segment', () => {
    const directory = temporaryDirectory();
    const log = SegmentedLog.open({ directory });
    expect([log.firstPosition, log.lastPosition]).toEqual([1, 0]);
    expect(log.segments()).toHaveLength(1);
    expect(log.recovery.createdFirstSegment).toBe(true);
    expect([...log.read(1)]).toEqual([]);
    expect(log.get(1)).toBeUndefined();
    log.close();
    expect(readdirSync(directory)).toEqual(['00000000000000000001.log']);
  });

  it('appends, rolls at the size limit, and reads back in order across segments and reopen', () => {
    const directory = temporaryDirectory();
    const records = testRecords(300, 100);
    const log = SegmentedLog.open({ directory, segmentSizeBytes: 4096, indexIntervalBytes: 512 });
    expect(log.append(records.slice(0, 120))).toBe(120);
    expect(log.append(records.slice(120))).toBe(300);
    const segments = log.segments();
    expect(segments.length).toBeGreaterThan(5);
    for (const segment of segments.slice(0, -1)) expect(segment.sizeBytes).toBeLessThanOrEqual(4096);
    segments.slice(1).forEach((segment, at) => expect(segment.firstPosition).toBe((segments[at]?.lastPosition ?? 0) + 1));
    expect([...log.read(1)]).toEqual(storedAll(records));
    expect([...log.read(257)]).toEqual(storedAll(records.slice(256), 257));
    expect(log.get(77)).toEqual(storedAll([testRecord(77, 100)], 77)[0]);
    log.close();
    const reopened = SegmentedLog.open({ directory, segmentSizeBytes: 4096 });
    expect(reopened.lastPosition).toBe(300);
    expect(reopened.recovery.tornTail).toBeUndefined();
    expect([...reopened.read(1)]).toEqual(storedAll(records));
    expect(reopened.append([testRecord(301, 100)])).toBe(301);
    expect(reopened.get(301)?.position).toBe(301);
    reopened.close();
    expect(readdirSync(directory).sort()).toEqual(segments.map((segment) => `${String(segment.segmentId).padStart(20, '0')}.log`));
  });

  it('tracks the durable length: flush() under the manual policy, every append under every-append', () => {
    const manual = SegmentedLog.open({ directory: temporaryDirectory(), fsyncPolicy: 'manual' });
    manual.append(testRecords(3));
    const [before] = manual.segments();
    expect(before?.durableSizeBytes).toBeLessThan(before?.sizeBytes ?? 0);
    manual.flush();
    const [after] = manual.segments();
    expect(after?.durableSizeBytes).toBe(after?.sizeBytes);
    manual.close();
    const eager = SegmentedLog.open({ directory: temporaryDirectory(), fsyncPolicy: 'every-append' });
    eager.append(testRecords(3));
    const [segment] = eager.segments();
    expect(segment?.durableSizeBytes).toBe(segment?.sizeBytes);
    eager.close();
  });

  it('gives a record larger than the segment size a segment of its own', () => {
    const log = SegmentedLog.open({ directory: temporaryDirectory(), segmentSizeBytes: 4096 });
    const records = [testRecord(1, 100), testRecord(2, 10_000), testRecord(3, 100)];
    log.append(records);
    expect(log.segments().map((segment) => [segment.firstPosition, segment.lastPosition])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect([...log.read(1)]).toEqual(storedAll(records));
    log.close();
  });

  it('refuses a bad batch whole, naming the record and the limit', () => {
    const log = SegmentedLog.open({ directory: temporaryDirectory() });
    const oversize = { timestampMs: 1, recordType: 1, payload: new Uint8Array(recordPayloadBytesMax + 1) };
    expect(() => log.append([testRecord(1), oversize])).toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringContaining(
          `record 2 of 2 in the append has a payload of ${recordPayloadBytesMax + 1} bytes, above recordPayloadBytesMax = ${recordPayloadBytesMax}`,
        ) as unknown,
      }),
    );
    expect(() => log.append([{ ...testRecord(1), recordType: 65_536 }])).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(() => log.append([{ ...testRecord(1), timestampMs: -1 }])).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(log.lastPosition).toBe(0);
    expect(log.append([{ timestampMs: 0, recordType: 65_535, payload: new Uint8Array(recordPayloadBytesMax) }])).toBe(1);
    log.close();
    expect(() => SegmentedLog.open({ directory: temporaryDirectory(), segmentSizeBytes: 100 })).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('segment size 100 bytes') as unknown }),
    );
  });

  it('refuses to read below the first position', () => {
    const log = SegmentedLog.open({ directory: temporaryDirectory() });
    log.append(testRecords(2));
    expect(() => log.read(0)).toThrow(expect.objectContaining({ code: 'LOG_POSITION' }));
    expect([...log.read(3)]).toEqual([]);
    log.close();
  });
});
