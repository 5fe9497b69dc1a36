// The streaming segment scanner: the same records and the same damage as the file-based readers, whatever the chunking.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isCutlineError } from '../../src/errors.js';
import type { AppendRecord } from '../../src/log/log.js';
import { recordPayloadBytesMax } from '../../src/limits.js';
import { unexpectedPositionError } from '../../src/log/segment-file.js';
import {
  decodeSegmentHeader,
  encodeFrame,
  encodeSegmentHeader,
  frameCutShortReason,
  frameHeaderBytes,
  frameLengthDamageReason,
  frameSize,
  frameTarget,
  segmentHeaderBytes,
  type SegmentHeader,
} from '../../src/log/segment-format.js';
import { SegmentStreamScanner } from '../../src/log/segment-stream-scan.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { noSyncFileSystem, temporaryDirectory, testRecord } from './log-fixtures.js';
import {
  chunkSizesArbitrary,
  errorShape,
  frameOffsets,
  recordArbitrary,
  referenceScan,
  streamScan,
  thrownBy,
  type StreamOutcome,
} from './stream-scan-fixtures.js';

/** Runs body with a log of records in small segments (several of them), its first segments compacted away. */
function withLog<T>(records: readonly AppendRecord[], compactFraction: number, body: (log: SegmentedLog, directory: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), 'cutline-stream-scan-'));
  const log = SegmentedLog.open({ directory, segmentSizeBytes: 4096, fs: noSyncFileSystem });
  try {
    if (records.length > 0) log.append(records);
    log.compactBelow(1 + Math.floor(compactFraction * records.length));
    return body(log, directory);
  } finally {
    log.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A segment file made by hand: a header, then one frame per (position, record n of testRecord). */
function handMadeSegment(header: SegmentHeader, frames: readonly { position: number; n: number }[]): Buffer {
  const records = frames.map(({ n }) => testRecord(n));
  const target = frameTarget(segmentHeaderBytes + records.reduce((sum, record) => sum + frameSize(record.payload.length), 0));
  encodeSegmentHeader(header).copy(target.bytes, 0);
  let offset = segmentHeaderBytes;
  frames.forEach(({ position }, at) => {
    const record = records[at];
    if (record !== undefined) offset = encodeFrame(record, position, target, offset);
  });
  return target.bytes;
}

/** Scans with the stream scanner, or returns what it threw. */
function streamOrError(path: string, bytes: Buffer, chunkSizes: readonly number[]): StreamOutcome | { error: unknown } {
  try {
    return streamScan(path, bytes, chunkSizes);
  } catch (error) {
    return { error };
  }
}

describe('SegmentStreamScanner', () => {
  it('hands on exactly the records SegmentedLog reads, with their offsets, for any records and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(recordArbitrary, { maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        chunkSizesArbitrary,
        (records, compactFraction, chunkSizes) => {
          withLog(records, compactFraction, (log) => {
            const all = [...log.read(log.firstPosition)];
            for (const segment of log.segments()) {
              const bytes = readFileSync(segment.path);
              const { frames, summary } = streamScan(segment.path, bytes, chunkSizes);
              const expected = all.filter(({ position }) => position >= segment.firstPosition && position <= segment.lastPosition);
              expect(
                frames.map(({ position, timestampMs, recordType, payload }) => ({ position, timestampMs, recordType, payload })),
              ).toEqual(expected);
              const offsets = frames.map(({ offset }) => offset);
              expect(offsets).toEqual(frameOffsets(bytes));
              const header = { segmentId: segment.segmentId, firstPosition: segment.firstPosition };
              expect(summary).toEqual({
                header,
                lastPosition: segment.lastPosition,
                endOffset: bytes.length,
                damage: undefined,
                sizeBytes: bytes.length,
              });
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports the damage scanSegment reports for any flipped bit or truncation, whatever the chunking', () => {
    const mutationArbitrary = fc.record({
      flip: fc.option(fc.record({ inFrameHeader: fc.boolean(), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { nil: undefined }),
      truncate: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(recordArbitrary, { minLength: 1, maxLength: 25 }),
        fc.nat(),
        mutationArbitrary,
        chunkSizesArbitrary,
        (records, segmentChoice, mutation, chunkSizes) => {
          withLog(records, 0, (log, directory) => {
            const segments = log.segments();
            const segment = segments[segmentChoice % segments.length];
            if (segment === undefined) throw new Error('a log has a segment');
            const bytes = Buffer.from(readFileSync(segment.path));
            const { flip, truncate } = mutation;
            if (flip !== undefined) {
              // Flips in frame headers (length, CRC, position fields) are most of the interesting damage; aim some there.
              const offsets = frameOffsets(bytes);
              const frameOffset = offsets[flip.at % Math.max(1, offsets.length)];
              const index =
                flip.inFrameHeader && frameOffset !== undefined
                  ? frameOffset + (Math.floor(flip.at / offsets.length) % frameHeaderBytes)
                  : flip.at % bytes.length;
              bytes[index] = (bytes[index] ?? 0) ^ (1 << flip.bit);
            }
            const mutated = truncate === undefined ? bytes : bytes.subarray(0, truncate % (bytes.length + 1));
            const path = join(directory, 'mutated.log');
            expectSameAnswers(path, mutated, chunkSizes);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps the damage of a frame completed across chunks, not a later frame's (the case fast-check found)", () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'crc.log');
    const bytes = handMadeSegment({ segmentId: 1, firstPosition: 1 }, [
      { position: 1, n: 1 },
      { position: 2, n: 2 },
      { position: 3, n: 3 },
    ]);
    // The first frame's length one byte longer: its CRC fails, and its end falls one byte into the next frame,
    // whose bytes from there read as a length far above the limit. With 7-byte chunks the first frame straddles.
    bytes[segmentHeaderBytes] = (bytes[segmentHeaderBytes] ?? 0) ^ 0x01;
    expectSameAnswers(path, bytes, [7]);
    expect(streamScan(path, bytes, [7]).summary.damage).toMatchObject({
      kind: 'damaged',
      offset: segmentHeaderBytes,
      position: 1,
      reason: 'a CRC mismatch',
    });
  });

  it('reports a frame at an unexpected position as kind position with the position found, as scanSegment does', () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'spliced.log');
    const bytes = handMadeSegment({ segmentId: 3, firstPosition: 10 }, [
      { position: 10, n: 1 },
      { position: 11, n: 2 },
      { position: 13, n: 3 },
      { position: 14, n: 4 },
    ]);
    const secondEnd = segmentHeaderBytes + 2 * frameSize(40);
    for (const chunkSizes of [[1], [7, 3], [bytes.length]]) {
      const { frames, summary } = streamScan(path, bytes, chunkSizes);
      expect(frames.map(({ position }) => position)).toEqual([10, 11]);
      const reason = 'a frame holding position 13, expected 12';
      expect(summary).toEqual({
        header: { segmentId: 3, firstPosition: 10 },
        lastPosition: 11,
        endOffset: secondEnd,
        damage: { kind: 'position', offset: secondEnd, position: 12, reason, foundPosition: 13 },
        sizeBytes: bytes.length,
      });
      expectSameAnswers(path, bytes, chunkSizes);
    }
    // A header whose first position is off by one: the very first frame is out of place.
    const shifted = handMadeSegment({ segmentId: 3, firstPosition: 11 }, [{ position: 10, n: 1 }]);
    expect(streamScan(path, shifted, [5]).summary.damage).toMatchObject({
      kind: 'position',
      offset: segmentHeaderBytes,
      position: 11,
      foundPosition: 10,
    });
    expectSameAnswers(path, shifted, [5]);
  });

  it('throws the header errors, naming the file, as soon as the 32-byte header is complete and bad', () => {
    const path = '/restore/partition-1/00000000000000000003.log';
    const cases: [number, string][] = [
      [0, 'LOG_FORMAT'],
      [8, 'LOG_FORMAT'],
      [10, 'LOG_CORRUPT'],
      [12, 'LOG_CORRUPT'],
      [20, 'LOG_CORRUPT'],
      [31, 'LOG_CORRUPT'],
    ];
    for (const [byte, code] of cases) {
      const bytes = handMadeSegment({ segmentId: 3, firstPosition: 10 }, [{ position: 10, n: 1 }]);
      bytes[byte] = (bytes[byte] ?? 0) ^ 0x10;
      const expected = thrownBy(() => decodeSegmentHeader(bytes.subarray(0, segmentHeaderBytes), path));
      expect(errorShape(expected), `byte ${byte}`).toMatchObject({ code, message: expect.stringContaining(path) as unknown });
      const scanner = new SegmentStreamScanner(path, () => undefined);
      for (let at = 0; at < segmentHeaderBytes - 1; at += 1) scanner.push(bytes.subarray(at, at + 1));
      expect(errorShape(thrownBy(() => scanner.push(bytes.subarray(segmentHeaderBytes - 1))))).toEqual(errorShape(expected));
    }
  });

  it('throws LOG_FORMAT naming the file at finish when fewer than 32 bytes were pushed', () => {
    const path = '/restore/partition-1/00000000000000000003.log';
    const header = encodeSegmentHeader({ segmentId: 3, firstPosition: 10 });
    for (const length of [0, 1, 31]) {
      const scanner = new SegmentStreamScanner(path, () => undefined);
      if (length > 0) scanner.push(header.subarray(0, length));
      const error = thrownBy(() => scanner.finish());
      expect(isCutlineError(error) && error.code).toBe('LOG_FORMAT');
      expect(errorShape(error)?.message).toBe(`segment ${path} is ${length} bytes, shorter than its 32-byte header`);
    }
  });

  it('takes a length field above the limit as damage from its 4 bytes alone, without waiting for or allocating the frame', () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'long.log');
    const valid = handMadeSegment({ segmentId: 1, firstPosition: 1 }, [{ position: 1, n: 1 }]);
    for (const payloadBytes of [recordPayloadBytesMax + 1, 0xffff_ffff]) {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(payloadBytes, 0);
      const following = handMadeSegment({ segmentId: 1, firstPosition: 2 }, [{ position: 2, n: 2 }]);
      const scanner = new SegmentStreamScanner(path, () => undefined);
      scanner.push(valid);
      const allocations = vi.spyOn(Buffer, 'allocUnsafe');
      try {
        for (const byte of length) scanner.push(Buffer.of(byte));
        // Whatever follows (here a whole valid frame) is counted, not parsed: the frame is damage already.
        scanner.push(following);
        expect(allocations).not.toHaveBeenCalled();
      } finally {
        allocations.mockRestore();
      }
      const damage = { kind: 'damaged', offset: valid.length, position: 2, reason: frameLengthDamageReason(payloadBytes) };
      expect(scanner.finish()).toMatchObject({ lastPosition: 1, endOffset: valid.length, damage });
    }
  });

  it('says a frame is cut short, as scanSegment does, when the file ends inside the header of a frame with a length above the limit', () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'cut.log');
    const valid = handMadeSegment({ segmentId: 1, firstPosition: 1 }, [{ position: 1, n: 1 }]);
    for (const tailBytes of [4, 25, 26, 100]) {
      const tail = Buffer.alloc(tailBytes, 0x77);
      tail.writeUInt32LE(recordPayloadBytesMax + 1, 0);
      const bytes = Buffer.concat([valid, tail]);
      const { summary } = streamScan(path, bytes, [3]);
      const reason = tailBytes < frameHeaderBytes ? frameCutShortReason(tailBytes) : frameLengthDamageReason(recordPayloadBytesMax + 1);
      expect(summary.damage, `${tailBytes} bytes`).toMatchObject({
        kind: tailBytes < frameHeaderBytes ? 'partial' : 'damaged',
        offset: valid.length,
        reason,
      });
      expectSameAnswers(path, bytes, [3]);
    }
  });
});

/** The scanner's answer for bytes (records, summary or error) equals decodeSegmentHeader's and scanSegment's. */
function expectSameAnswers(path: string, bytes: Buffer, chunkSizes: readonly number[]): void {
  const reference = referenceScan(path, bytes);
  const streamed = streamOrError(path, bytes, chunkSizes);
  if (reference.kind === 'error') {
    if (isCutlineError(reference.error) && reference.error.code === 'LOG_POSITION') {
      const damage = 'summary' in streamed ? streamed.summary.damage : undefined;
      expect(damage?.kind).toBe('position');
      const found = unexpectedPositionError(path, damage?.offset ?? -1, damage?.position ?? -1, damage?.foundPosition ?? -1);
      expect(found.message).toBe(reference.error.message);
      return;
    }
    expect('error' in streamed && errorShape(streamed.error)).toEqual(errorShape(reference.error));
    return;
  }
  if (!('summary' in streamed)) throw new Error(`the scanner threw where scanSegment did not: ${String(streamed.error)}`);
  const { summary, frames } = streamed;
  const { damage } = summary;
  expect(summary.header).toEqual(reference.header);
  expect({
    lastPosition: summary.lastPosition,
    endOffset: summary.endOffset,
    damage: damage && { offset: damage.offset, position: damage.position, reason: damage.reason },
  }).toEqual(reference.scan);
  expect(
    damage === undefined || damage.kind === (damage.reason === frameCutShortReason(bytes.length - damage.offset) ? 'partial' : 'damaged'),
  ).toBe(true);
  expect(frames.length).toBe(summary.lastPosition - summary.header.firstPosition + 1);
  expect(summary.sizeBytes).toBe(bytes.length);
}
