// truncateAfter and compactBelow: exact prefixes and suffixes, bounded work, crash-safe ordering, I/O failures.
import { describe, expect, it } from 'vitest';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { RecordingFileSystem } from './recording-file-system.js';
import { noSyncFileSystem, segmentPath, storedAll, temporaryDirectory, testRecord, testRecords } from './log-fixtures.js';

const segmentSizeBytes = 4096;
const count = 120;
/** Payloads of varied sizes, so frames do not line up with index intervals. */
const records = Array.from({ length: count }, (_, at) => testRecord(at + 1, 20 + ((at * 37) % 150)));

function writeLog(directory: string, fs?: RecordingFileSystem): SegmentedLog {
  const log = SegmentedLog.open({ directory, segmentSizeBytes, indexIntervalBytes: 256, fs: fs ?? noSyncFileSystem });
  log.append(records);
  return log;
}

describe('truncateAfter', () => {
  it('leaves exactly the prefix at every position of a multi-segment log, and appending continues after it', () => {
    for (let position = 0; position <= count; position += 1) {
      const directory = temporaryDirectory();
      let log = writeLog(directory);
      expect(log.segments().length).toBeGreaterThan(3);
      if (position % 2 === 1 || position === 0) {
        // After a reopen only the last segment is indexed: truncation must index the segment it cuts.
        log.close();
        log = SegmentedLog.open({ directory, segmentSizeBytes, indexIntervalBytes: 256, fs: noSyncFileSystem });
      }
      log.truncateAfter(position);
      expect(log.lastPosition, `truncate after ${position}`).toBe(position);
      expect([...log.read(1)]).toEqual(storedAll(records.slice(0, position)));
      expect(log.get(position + 1)).toBeUndefined();
      const last = log.segments().at(-1);
      expect(last?.lastPosition).toBe(position);
      expect(last?.durableSizeBytes).toBe(last?.sizeBytes);
      expect(log.append([testRecord(999, 33)])).toBe(position + 1);
      log.close();
      const reopened = SegmentedLog.open({ directory, segmentSizeBytes, fs: noSyncFileSystem });
      expect(reopened.recovery.tornTail).toBeUndefined();
      expect([...reopened.read(1)]).toEqual([...storedAll(records.slice(0, position)), ...storedAll([testRecord(999, 33)], position + 1)]);
      reopened.close();
    }
  });

  it('touches only the segment holding the position and deletes later segments from the highest id down', () => {
    const directory = temporaryDirectory();
    writeLog(directory).close();
    const fs = new RecordingFileSystem();
    const log = SegmentedLog.open({ directory, segmentSizeBytes, fs });
    const segments = log.segments();
    const holding = segments[2];
    if (holding === undefined) throw new Error('the test log has at least three segments');
    fs.calls.length = 0;
    log.truncateAfter(holding.firstPosition + 3);
    const touched = new Set(fs.calls.filter((call) => call.operation !== 'syncDirectory').map((call) => call.path));
    const later = segments.slice(3).map((segment) => segment.path);
    expect([...touched].sort()).toEqual([holding.path, ...later].sort());
    expect(fs.calls.filter((call) => call.operation === 'removeFile').map((call) => call.path)).toEqual(later.reverse());
    const bytesRead = fs.calls.filter((call) => call.operation === 'readAt').reduce((sum, call) => sum + call.bytes, 0);
    // One scan builds the segment's sparse index (it was not read since open), one short seek finds the cut.
    expect(bytesRead).toBeLessThanOrEqual(2 * holding.sizeBytes);
    // Every deletion is made durable before the next step, and the cut comes last.
    const operations = fs.calls
      .map((call) => call.operation)
      .filter((operation) => operation !== 'readAt' && operation !== 'openFile' && operation !== 'closeFile');
    expect(operations.slice(-2)).toEqual(['truncateFile', 'syncFile']);
    log.close();
  });

  it('refuses positions the log does not hold and leaves the log unchanged', () => {
    const log = writeLog(temporaryDirectory());
    for (const position of [-1, count + 1, 1.5, Number.NaN]) {
      expect(() => log.truncateAfter(position)).toThrow(expect.objectContaining({ code: 'LOG_POSITION' }));
    }
    log.truncateAfter(count);
    expect(log.lastPosition).toBe(count);
    log.close();
  });
});

describe('compactBelow', () => {
  it('deletes whole segments below the position only, oldest first, and never the active one', () => {
    const directory = temporaryDirectory();
    const log = writeLog(directory);
    const segments = log.segments();
    const third = segments[2];
    if (third === undefined) throw new Error('the test log has at least three segments');
    log.compactBelow(third.firstPosition + 1);
    expect(log.firstPosition).toBe(third.firstPosition);
    expect(log.segments()).toEqual(segments.slice(2));
    expect([...log.read(third.firstPosition)]).toEqual(storedAll(records.slice(third.firstPosition - 1), third.firstPosition));
    expect(log.get(third.firstPosition - 1)).toBeUndefined();
    expect(() => log.read(third.firstPosition - 1)).toThrow(expect.objectContaining({ code: 'LOG_POSITION' }));
    log.compactBelow(count + 100);
    expect(log.segments()).toEqual(segments.slice(-1));
    log.close();
    const reopened = SegmentedLog.open({ directory });
    expect([reopened.firstPosition, reopened.lastPosition]).toEqual([segments.at(-1)?.firstPosition, count]);
    reopened.truncateAfter(reopened.firstPosition - 1);
    expect([reopened.firstPosition, reopened.lastPosition]).toEqual([
      segments.at(-1)?.firstPosition,
      (segments.at(-1)?.firstPosition ?? 0) - 1,
    ]);
    reopened.close();
    expect(segmentPath(directory, 1)).not.toBe(reopened.segments()[0]?.path);
  });
});

describe('a failed file operation', () => {
  it('fails the append with LOG_IO, refuses later writes, and reopening cuts the partial write back', () => {
    const directory = temporaryDirectory();
    const fs = new RecordingFileSystem();
    const log = SegmentedLog.open({ directory, fs });
    log.append(testRecords(10));
    log.flush();
    fs.beforeCall = (call) => {
      if (call.operation === 'writeAt') throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    expect(() => log.append(testRecords(3))).toThrow(
      expect.objectContaining({ code: 'LOG_IO', message: expect.stringContaining('ENOSPC') as unknown }),
    );
    fs.beforeCall = undefined;
    expect(() => log.append(testRecords(1))).toThrow(
      expect.objectContaining({ code: 'LOG_IO', message: expect.stringContaining('refuses further writes') as unknown }),
    );
    expect(log.lastPosition).toBe(10);
    log.close();
    const reopened = SegmentedLog.open({ directory });
    expect([...reopened.read(1)]).toEqual(storedAll(testRecords(10)));
    reopened.close();
  });
});
