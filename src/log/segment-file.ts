// One segment file as the log tracks it, and the frame-by-frame reading shared by recovery, seeks and scans.
import { join } from 'node:path';
import { assert } from '../assert.js';
import { CutlineError } from '../errors.js';
import type { LogFileSystem } from './file-system.js';
import type { FileWindow } from './file-window.js';
import type { LogRecord, SegmentInfo } from './log.js';
import {
  decodeFrameHeader,
  encodeSegmentHeader,
  frameCrcMatches,
  frameCrcMismatchReason,
  frameHeaderBytes,
  frameLengthDamageReason,
  segmentFileName,
  segmentHeaderBytes,
  type FrameHeader,
} from './segment-format.js';
import type { SparseIndex } from './sparse-index.js';

/** A segment being created; recovery deletes leftovers of a crash during creation. */
export const temporarySuffix = '.tmp';

export class SegmentFile {
  /** Position of the last whole record; firstPosition - 1 while empty. */
  lastPosition: number;
  /** Bytes of whole records, header included: where the next frame goes. */
  sizeBytes: number;
  durableSizeBytes: number;
  /** Built when the segment is first scanned (at open for the last segment, lazily for the others). */
  index: SparseIndex | undefined;

  constructor(
    readonly segmentId: number,
    readonly path: string,
    readonly firstPosition: number,
    sizeBytes: number,
  ) {
    this.lastPosition = firstPosition - 1;
    this.sizeBytes = sizeBytes;
    this.durableSizeBytes = sizeBytes;
  }

  get isEmpty(): boolean {
    return this.lastPosition < this.firstPosition;
  }

  holds(position: number): boolean {
    return position >= this.firstPosition && position <= this.lastPosition;
  }

  info(): SegmentInfo {
    return {
      segmentId: this.segmentId,
      path: this.path,
      firstPosition: this.firstPosition,
      lastPosition: this.lastPosition,
      sizeBytes: this.sizeBytes,
      durableSizeBytes: this.durableSizeBytes,
    };
  }
}

/** The segment holding a position, by binary search over first positions; the position must be held. */
export function findSegmentHolding(segments: readonly SegmentFile[], position: number): SegmentFile {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    const candidate = segments[middle];
    assert(candidate !== undefined, 'segment in range');
    if (candidate.firstPosition <= position) low = middle;
    else high = middle - 1;
  }
  const segment = segments[low];
  assert(segment?.holds(position) === true, `a segment holds position ${position}`);
  return segment;
}

/** Runs body with a read-only descriptor of a segment that has none open. */
export function withSegmentFd<T>(fileSystem: LogFileSystem, path: string, body: (fd: number) => T): T {
  const fd = fileSystem.openFile(path, 'read');
  try {
    return body(fd);
  } finally {
    fileSystem.closeFile(fd);
  }
}

export type FrameReadResult =
  | { readonly kind: 'frame'; readonly header: FrameHeader; readonly end: number; readonly payload: Uint8Array | undefined }
  /** The frame's header or payload reaches past the end of the file. */
  | { readonly kind: 'partial' }
  /** A length field above the limit, or a CRC that does not match. */
  | { readonly kind: 'damaged'; readonly reason: string };

/** Reads and checks the frame at offset; copies the payload only when asked. */
export function readFrame(window: FileWindow, offset: number, withPayload: boolean): FrameReadResult {
  const headerBytes = window.view(offset, frameHeaderBytes);
  if (headerBytes === undefined) return { kind: 'partial' };
  const payloadBytes = headerBytes.readUInt32LE(0);
  const lengthDamage = frameLengthDamageReason(payloadBytes);
  if (lengthDamage !== undefined) return { kind: 'damaged', reason: lengthDamage };
  const frameBytes = window.view(offset, frameHeaderBytes + payloadBytes);
  if (frameBytes === undefined) return { kind: 'partial' };
  const header = decodeFrameHeader(frameBytes, 0);
  if (!frameCrcMatches(frameBytes, 0, header)) return { kind: 'damaged', reason: frameCrcMismatchReason };
  // A plain Uint8Array copy: the window reuses its buffer, and callers compare payloads by value.
  const payload = withPayload ? new Uint8Array(frameBytes.subarray(frameHeaderBytes)) : undefined;
  return { kind: 'frame', header, end: offset + frameHeaderBytes + payloadBytes, payload };
}

/** One whole, checked frame of a segment. */
export interface SegmentFrame {
  readonly offset: number;
  readonly end: number;
  readonly header: FrameHeader;
  readonly payload: Uint8Array | undefined;
}

/**
 * Reads the frames of a segment from a frame boundary up to the window's end, checking every CRC and position.
 * Damage here is corruption (recovery has already cut torn tails), named by file, offset and position.
 */
export function* readFrames(
  segment: SegmentFile,
  window: FileWindow,
  startOffset: number,
  startPosition: number,
  withPayload: boolean,
): Generator<SegmentFrame> {
  let offset = startOffset;
  let expected = startPosition;
  while (offset < window.endOffset) {
    const result = readFrame(window, offset, withPayload);
    if (result.kind !== 'frame') {
      const reason = result.kind === 'partial' ? 'a frame cut short' : result.reason;
      throw corruptFrameError(segment.path, offset, expected, reason);
    }
    if (result.header.position !== expected) throw unexpectedPositionError(segment.path, offset, expected, result.header.position);
    yield { offset, end: result.end, header: result.header, payload: result.payload };
    offset = result.end;
    expected += 1;
  }
}

/** The records of a segment from a frame boundary on (see readFrames). */
export function* readRecords(segment: SegmentFile, window: FileWindow, startOffset: number, startPosition: number): Generator<LogRecord> {
  for (const { header, payload } of readFrames(segment, window, startOffset, startPosition, true)) {
    assert(payload !== undefined, 'readFrames returns payloads when asked');
    yield { position: header.position, timestampMs: header.timestampMs, recordType: header.recordType, payload };
  }
}

/** `hint` replaces the advice for a live log, where the reader is not one (restore reads a backup's segments). */
export function corruptFrameError(
  path: string,
  offset: number,
  position: number,
  reason: string,
  hint = 'The log is damaged before its tail; restore it from a backup. `cutline log verify` lists the damage.',
): CutlineError {
  return new CutlineError(
    'LOG_CORRUPT',
    `segment ${path}: ${reason} in the frame at byte offset ${offset} (expected position ${position})`,
    { hint },
  );
}

export function unexpectedPositionError(
  path: string,
  offset: number,
  expected: number,
  found: number,
  hint = 'Positions must be contiguous; the segment was written by something else or spliced. Restore the log from a backup.',
): CutlineError {
  return new CutlineError(
    'LOG_POSITION',
    `segment ${path}: the frame at byte offset ${offset} holds position ${found}, expected ${expected}`,
    { hint },
  );
}

/**
 * Creates an empty segment crash-safely: the header goes to `name.tmp`, is fsynced, and only then is the
 * file renamed into place and the directory fsynced, so a segment file never has a torn header.
 * Returns the segment and a read-write descriptor of it.
 */
export function createSegmentFile(
  fileSystem: LogFileSystem,
  directory: string,
  segmentId: number,
  firstPosition: number,
): { segment: SegmentFile; fd: number } {
  const path = join(directory, segmentFileName(segmentId));
  const temporaryPath = `${path}${temporarySuffix}`;
  const fd = fileSystem.openFile(temporaryPath, 'create');
  try {
    fileSystem.writeAt(fd, encodeSegmentHeader({ segmentId, firstPosition }), 0);
    fileSystem.syncFile(fd);
    fileSystem.rename(temporaryPath, path);
    fileSystem.syncDirectory(directory);
  } catch (error) {
    fileSystem.closeFile(fd);
    throw error;
  }
  return { segment: new SegmentFile(segmentId, path, firstPosition, segmentHeaderBytes), fd };
}
