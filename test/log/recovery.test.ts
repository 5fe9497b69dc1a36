// Recovery on open: torn tails are cut back to the last whole record; damage before the tail is LOG_CORRUPT.
import { appendFileSync, cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { encodeSegmentHeader, frameHeaderBytes, segmentHeaderBytes } from '../../src/log/segment-format.js';
import { isCutlineError } from '../../src/errors.js';
import { fileTemporaryDirectory, noSyncFileSystem, segmentPath, storedAll, temporaryDirectory, testRecords } from './log-fixtures.js';

const payloadBytes = 40;
const frameBytes = frameHeaderBytes + payloadBytes;

/** A closed log of `count` records in segments of 4 KiB; returns its directory. */
function writeLog(count: number): string {
  const directory = fileTemporaryDirectory();
  const log = SegmentedLog.open({ directory, segmentSizeBytes: 4096 });
  log.append(testRecords(count, payloadBytes));
  log.close();
  return directory;
}

function copyOf(template: string): string {
  const directory = temporaryDirectory();
  cpSync(template, directory, { recursive: true });
  return directory;
}

function flipBit(path: string, offset: number, bit: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] ?? 0) ^ (1 << bit);
  writeFileSync(path, bytes);
}

function openError(directory: string): unknown {
  try {
    SegmentedLog.open({ directory, segmentSizeBytes: 4096, fs: noSyncFileSystem }).close();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('recovery of a torn tail', () => {
  const count = 130; // three segments: 61 + 61 + 8 records of 66 bytes
  const template = writeLog(count);
  const lastSegment = (directory: string): string => segmentPath(directory, 3);
  const lastFrameStart = statSync(lastSegment(template)).size - frameBytes;

  it('cuts a last frame torn at every byte offset back to exactly the previous records', () => {
    const directory = copyOf(template);
    const original = readFileSync(lastSegment(directory));
    for (let cut = lastFrameStart; cut < lastFrameStart + frameBytes; cut += 1) {
      writeFileSync(lastSegment(directory), original.subarray(0, cut));
      const log = SegmentedLog.open({ directory, segmentSizeBytes: 4096, fs: noSyncFileSystem });
      expect(log.lastPosition, `cut at ${cut}`).toBe(count - 1);
      expect(log.recovery.tornTail).toEqual(
        cut === lastFrameStart
          ? undefined
          : expect.objectContaining({ offset: lastFrameStart, position: count, bytesRemoved: cut - lastFrameStart }),
      );
      expect([...log.read(1)]).toEqual(storedAll(testRecords(count - 1, payloadBytes)));
      expect(statSync(lastSegment(directory)).size).toBe(lastFrameStart);
      expect(log.append(testRecords(count, payloadBytes).slice(-1))).toBe(count);
      log.close();
      expect([...SegmentedLog.open({ directory, fs: noSyncFileSystem }).read(1)]).toEqual(storedAll(testRecords(count, payloadBytes)));
    }
  });

  it('cuts a last frame whose bytes never reached the disk (zeros from any byte on) back', () => {
    const directory = copyOf(template);
    const original = readFileSync(lastSegment(directory));
    for (let from = lastFrameStart; from < lastFrameStart + frameBytes; from += 1) {
      const bytes = Buffer.from(original);
      bytes.fill(0, from);
      writeFileSync(lastSegment(directory), bytes);
      const log = SegmentedLog.open({ directory, fs: noSyncFileSystem });
      expect(log.lastPosition, `zeros from ${from}`).toBe(count - 1);
      log.close();
    }
  });

  it('cuts zeros after the last frame (a size extended before the data) and keeps every record', () => {
    const directory = copyOf(template);
    appendFileSync(lastSegment(directory), Buffer.alloc(300));
    const log = SegmentedLog.open({ directory });
    expect(log.lastPosition).toBe(count);
    expect(log.recovery.tornTail).toEqual(
      expect.objectContaining({ offset: lastFrameStart + frameBytes, position: count + 1, bytesRemoved: 300 }),
    );
    log.close();
  });

  it('reports a torn tail without cutting it when read-only', () => {
    const directory = copyOf(template);
    truncateSync(lastSegment(directory), lastFrameStart + 10);
    const log = SegmentedLog.open({ directory, readOnly: true });
    expect(log.lastPosition).toBe(count - 1);
    expect(log.recovery.tornTail).toEqual(expect.objectContaining({ offset: lastFrameStart, bytesRemoved: 0 }));
    log.close();
    expect(statSync(lastSegment(directory)).size).toBe(lastFrameStart + 10);
  });

  it('deletes a segment left half-created (name.tmp) by a crash', () => {
    const directory = copyOf(template);
    writeFileSync(`${segmentPath(directory, 4)}.tmp`, Buffer.alloc(7));
    const log = SegmentedLog.open({ directory });
    expect(log.recovery.temporaryFiles).toEqual([`${segmentPath(directory, 4)}.tmp`]);
    expect(log.lastPosition).toBe(count);
    log.close();
  });
});

describe('corruption before the tail', () => {
  const count = 130;
  const template = writeLog(count);

  it('reports every flipped bit of a middle frame of the last segment as LOG_CORRUPT naming file, offset and position', () => {
    // Segment 3 holds positions 123..130; its third frame (position 125) is in the middle.
    const frameStart = segmentHeaderBytes + 2 * frameBytes;
    const directory = copyOf(template);
    const original = readFileSync(segmentPath(directory, 3));
    for (let offset = frameStart; offset < frameStart + frameBytes; offset += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        // A failed open changes nothing on disk, so one copy serves every bit once the original is put back.
        writeFileSync(segmentPath(directory, 3), original);
        flipBit(segmentPath(directory, 3), offset, bit);
        const error = openError(directory);
        expect(isCutlineError(error) && error.code, `bit ${bit} of byte ${offset}`).toBe('LOG_CORRUPT');
        expect((error as Error).message).toContain(`segment ${segmentPath(directory, 3)}`);
        expect((error as Error).message).toContain(`byte offset ${frameStart} (expected position 125)`);
      }
    }
  });

  it('reports a flipped bit in a middle segment as LOG_CORRUPT when the segment is read or verified', () => {
    const frameStart = segmentHeaderBytes + 30 * frameBytes; // position 61 + 30 = 92 in segment 2
    for (const offset of [frameStart, frameStart + 5, frameStart + 12, frameStart + frameHeaderBytes + 3]) {
      const directory = copyOf(template);
      flipBit(segmentPath(directory, 2), offset, 3);
      const expected: unknown = expect.objectContaining({
        code: 'LOG_CORRUPT',
        message: expect.stringContaining(`segment ${segmentPath(directory, 2)}: `) as unknown,
      });
      const log = SegmentedLog.open({ directory });
      expect(log.verify()).toEqual([expect.objectContaining({ code: 'LOG_CORRUPT', path: segmentPath(directory, 2) })]);
      expect(() => [...log.read(1)]).toThrow(
        expect.objectContaining({ message: expect.stringContaining(`byte offset ${frameStart} (expected position 92)`) as unknown }),
      );
      expect(() => log.get(100)).toThrow(expected);
      expect(() => log.truncateAfter(95)).toThrow(expected);
      expect(log.lastPosition).toBe(count);
      expect(log.get(10)?.position).toBe(10);
      log.close();
    }
  });

  it('refuses a damaged segment header: wrong magic or version is LOG_FORMAT, a bad header CRC is LOG_CORRUPT', () => {
    const cases: [number, string][] = [
      [0, 'LOG_FORMAT'],
      [8, 'LOG_FORMAT'],
      [12, 'LOG_CORRUPT'],
      [20, 'LOG_CORRUPT'],
      [30, 'LOG_CORRUPT'],
    ];
    for (const [offset, code] of cases) {
      const directory = copyOf(template);
      flipBit(segmentPath(directory, 2), offset, 0);
      const error = openError(directory);
      expect(isCutlineError(error) && error.code, `header byte ${offset}`).toBe(code);
      expect((error as Error).message).toContain(segmentPath(directory, 2));
    }
  });

  it('refuses a log with a segment missing from the middle', () => {
    const directory = copyOf(template);
    rmSync(segmentPath(directory, 2));
    expect(openError(directory)).toMatchObject({
      code: 'LOG_POSITION',
      message: expect.stringContaining('segment ids 2..2 are missing') as unknown,
    });
  });

  it('refuses positions that do not follow on from one segment to the next', () => {
    // Segment 3 claims to start at 125 although its frames hold 123..130 and segment 2 ends at 122.
    const directory = copyOf(template);
    const bytes = readFileSync(segmentPath(directory, 3));
    encodeSegmentHeader({ segmentId: 3, firstPosition: 125 }).copy(bytes, 0);
    writeFileSync(segmentPath(directory, 3), bytes);
    expect(openError(directory)).toMatchObject({
      code: 'LOG_POSITION',
      message: expect.stringContaining(`byte offset ${segmentHeaderBytes} holds position 123, expected 125`) as unknown,
    });
    truncateSync(segmentPath(directory, 3), segmentHeaderBytes);
    const log = SegmentedLog.open({ directory });
    expect(log.verify()).toEqual([
      expect.objectContaining({
        code: 'LOG_POSITION',
        message: expect.stringContaining('ends at position 122, but the next segment starts at position 125') as unknown,
      }),
    ]);
    log.close();
  });

  it('refuses a file with a segment name that is too short for a header', () => {
    const directory = copyOf(template);
    truncateSync(segmentPath(directory, 2), 10);
    expect(openError(directory)).toMatchObject({
      code: 'LOG_FORMAT',
      message: expect.stringContaining('10 bytes, shorter than its 32-byte header') as unknown,
    });
  });
});
