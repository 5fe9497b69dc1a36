// Helpers for the streaming scanner's tests: chunkings, pushing through a reused buffer, and the file-based reference scan.
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { isCutlineError } from '../../src/errors.js';
import { FileWindow } from '../../src/log/file-window.js';
import type { AppendRecord } from '../../src/log/log.js';
import { SegmentFile, withSegmentFd } from '../../src/log/segment-file.js';
import { decodeSegmentHeader, frameHeaderBytes, segmentHeaderBytes, type SegmentHeader } from '../../src/log/segment-format.js';
import { scanSegment, type ScanResult } from '../../src/log/segment-scan.js';
import { SegmentStreamScanner, type SegmentStreamSummary } from '../../src/log/segment-stream-scan.js';
import { SparseIndex } from '../../src/log/sparse-index.js';
import { noSyncFileSystem } from './log-fixtures.js';

/** Chunk sizes cycled over a file: single bytes, sizes around a frame header, and sizes around a few frames. */
export const chunkSizesArbitrary: fc.Arbitrary<number[]> = fc.oneof(
  fc.constant<number[]>([1]),
  fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
  fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
);

export const recordArbitrary: fc.Arbitrary<AppendRecord> = fc.record({
  timestampMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  recordType: fc.integer({ min: 0, max: 0xffff }),
  // Mostly small payloads (several per chunk), some empty, some larger than most chunks and than a segment.
  payload: fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 4000, max: 9000 }).map((length) => Uint8Array.from({ length }, (_, at) => (at * 7 + length) & 0xff)),
    },
  ),
});

export interface StreamedRecord {
  readonly offset: number;
  readonly position: number;
  readonly timestampMs: number;
  readonly recordType: number;
  readonly payload: Uint8Array;
}

export interface StreamOutcome {
  readonly frames: StreamedRecord[];
  readonly summary: SegmentStreamSummary;
}

/**
 * Pushes bytes through a scanner in chunks of the cycled sizes. Each chunk is a view of one reused buffer that is
 * overwritten after the push, as a reader's buffer is, so a scanner keeping a view of earlier chunks shows up.
 */
export function streamScan(path: string, bytes: Buffer, chunkSizes: readonly number[]): StreamOutcome {
  const frames: StreamedRecord[] = [];
  const scanner = new SegmentStreamScanner(path, ({ offset, header, payload }) => {
    frames.push({
      offset,
      position: header.position,
      timestampMs: header.timestampMs,
      recordType: header.recordType,
      payload: new Uint8Array(payload),
    });
  });
  const reused = Buffer.alloc(Math.max(...chunkSizes));
  let at = 0;
  for (let index = 0; at < bytes.length; index += 1) {
    const size = Math.min(chunkSizes[index % chunkSizes.length] ?? 1, bytes.length - at);
    bytes.copy(reused, 0, at, at + size);
    scanner.push(reused.subarray(0, size));
    reused.fill(0xa5);
    at += size;
  }
  return { frames, summary: scanner.finish() };
}

/** What the file-based readers say of the same bytes: decodeSegmentHeader, then scanSegment over the file. */
export type ReferenceOutcome =
  | { readonly kind: 'scan'; readonly header: SegmentHeader; readonly scan: ScanResult }
  | { readonly kind: 'error'; readonly error: unknown };

export function referenceScan(path: string, bytes: Buffer): ReferenceOutcome {
  writeFileSync(path, bytes);
  try {
    const header = decodeSegmentHeader(bytes.subarray(0, segmentHeaderBytes), path);
    const segment = new SegmentFile(header.segmentId, path, header.firstPosition, bytes.length);
    const scan = withSegmentFd(noSyncFileSystem, path, (fd) =>
      scanSegment(segment, new FileWindow(noSyncFileSystem, fd, bytes.length, 997), new SparseIndex(4096)),
    );
    return { kind: 'scan', header, scan };
  } catch (error) {
    return { kind: 'error', error };
  }
}

/** The error a function throws, or undefined. */
export function thrownBy(body: () => unknown): unknown {
  try {
    body();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A CutlineError's code and message, for comparing errors by value. */
export function errorShape(error: unknown): { code: string; message: string } | undefined {
  return isCutlineError(error) ? { code: error.code, message: error.message } : undefined;
}

/** Byte offsets of the frames of a whole, valid segment file. */
export function frameOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let offset = segmentHeaderBytes; offset < bytes.length; offset += frameHeaderBytes + bytes.readUInt32LE(offset))
    offsets.push(offset);
  return offsets;
}
