// Scanning a whole segment (building its sparse index, finding its end) and telling a torn tail from corruption.
import type { LogFileSystem } from './file-system.js';
import { FileWindow } from './file-window.js';
import { frameCutShortReason, frameHeaderBytes, readU64, segmentHeaderBytes } from './segment-format.js';
import { readFrame, unexpectedPositionError, type SegmentFile } from './segment-file.js';
import type { SparseIndex } from './sparse-index.js';

export interface SegmentDamage {
  /** Byte offset of the first frame that is not whole and valid. */
  readonly offset: number;
  /** The position that frame should hold. */
  readonly position: number;
  readonly reason: string;
}

export interface ScanResult {
  /** Position of the last whole, valid record (firstPosition - 1 when none). */
  readonly lastPosition: number;
  /** Byte offset just after that record (the header's end when none). */
  readonly endOffset: number;
  /** Where the valid frames stop before the end of the file, if they do. */
  readonly damage: SegmentDamage | undefined;
}

/** Reads every frame of a segment from its header on, checking CRCs and positions and filling index. */
export function scanSegment(segment: SegmentFile, window: FileWindow, index: SparseIndex): ScanResult {
  let offset = segmentHeaderBytes;
  let expected = segment.firstPosition;
  while (offset < window.endOffset) {
    const result = readFrame(window, offset, false);
    if (result.kind !== 'frame') {
      const reason = result.kind === 'partial' ? frameCutShortReason(window.endOffset - offset) : result.reason;
      return { lastPosition: expected - 1, endOffset: offset, damage: { offset, position: expected, reason } };
    }
    if (result.header.position !== expected) throw unexpectedPositionError(segment.path, offset, expected, result.header.position);
    index.add(expected, offset);
    offset = result.end;
    expected += 1;
  }
  return { lastPosition: expected - 1, endOffset: offset, damage: undefined };
}

export interface FoundFrame {
  readonly offset: number;
  readonly position: number;
}

/**
 * Looks for any valid frame (CRC matches) that starts after the damage and holds a position the log
 * could hold there. A torn write only ever damages the end of a file, so finding one proves that the
 * damage is not a torn tail but corruption in the middle (for example a flipped bit in a length field).
 */
export function findValidFrameAfter(
  fileSystem: LogFileSystem,
  fd: number,
  fileSize: number,
  damage: SegmentDamage,
): FoundFrame | undefined {
  const scanWindow = new FileWindow(fileSystem, fd, fileSize);
  const checkWindow = new FileWindow(fileSystem, fd, fileSize);
  const positionFieldEnd = 16;
  let chunkStart = damage.offset + 1;
  while (chunkStart + frameHeaderBytes <= fileSize) {
    const chunkLength = Math.min(1024 * 1024, fileSize - chunkStart);
    const chunk = scanWindow.view(chunkStart, chunkLength);
    if (chunk === undefined) return undefined;
    for (let at = 0; at + positionFieldEnd <= chunk.length; at += 1) {
      const offset = chunkStart + at;
      if (offset + frameHeaderBytes > fileSize) return undefined;
      const position = readU64(chunk, at + 8);
      // Frames after the damage hold later positions, at most one per frame header's worth of bytes.
      const positionMax = damage.position + Math.floor((offset - damage.offset) / frameHeaderBytes);
      if (!(position >= damage.position && position <= positionMax)) continue;
      const result = readFrame(checkWindow, offset, false);
      if (result.kind === 'frame') return { offset, position };
    }
    chunkStart += Math.max(1, chunk.length - positionFieldEnd + 1);
  }
  return undefined;
}
