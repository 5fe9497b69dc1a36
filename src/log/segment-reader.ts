// Reading inside segments: building sparse indexes lazily, seeking to a position, finding where a frame ends.
import { assert } from '../assert.js';
import { CutlineError } from '../errors.js';
import type { LogFileSystem } from './file-system.js';
import { FileWindow } from './file-window.js';
import type { LogRecord } from './log.js';
import { segmentHeaderBytes } from './segment-format.js';
import { corruptFrameError, readFrames, readRecords, withSegmentFd, type SegmentFile } from './segment-file.js';
import { scanSegment } from './segment-scan.js';
import { SparseIndex } from './sparse-index.js';

/** Reads segments; a segment without an open descriptor (fd undefined) is opened read-only for the call. */
export class SegmentReader {
  constructor(
    private readonly fileSystem: LogFileSystem,
    private readonly indexIntervalBytes: number,
  ) {}

  /** A segment's sparse index, built on first use by a full scan that checks every frame. */
  indexOf(segment: SegmentFile): SparseIndex {
    if (segment.index !== undefined) return segment.index;
    const index = new SparseIndex(this.indexIntervalBytes);
    const scan = withSegmentFd(this.fileSystem, segment.path, (fd) =>
      scanSegment(segment, new FileWindow(this.fileSystem, fd, segment.sizeBytes), index),
    );
    if (scan.damage !== undefined) throw corruptFrameError(segment.path, scan.damage.offset, scan.damage.position, scan.damage.reason);
    if (scan.lastPosition !== segment.lastPosition) {
      throw new CutlineError(
        'LOG_POSITION',
        `segment ${segment.path} ends at position ${scan.lastPosition}, but the next segment starts at position ${segment.lastPosition + 1}`,
        {
          hint: 'Positions must be contiguous across segments; restore the log from a backup.',
        },
      );
    }
    segment.index = index;
    return index;
  }

  /** The records of one segment from position on, starting at the nearest sparse index entry. */
  *records(segment: SegmentFile, fd: number | undefined, position: number, chunkBytes: number): Generator<LogRecord> {
    const start = this.indexOf(segment).floor(position);
    assert(start !== undefined, `the index of ${segment.path} covers position ${position}`);
    const ownFd = fd ?? this.fileSystem.openFile(segment.path, 'read');
    try {
      const window = new FileWindow(this.fileSystem, ownFd, segment.sizeBytes, chunkBytes);
      for (const record of readRecords(segment, window, start.offset, start.position)) {
        if (record.position >= position) yield record;
      }
    } finally {
      if (fd === undefined) this.fileSystem.closeFile(ownFd);
    }
  }

  /** The byte offset just after the frame at position (the header's end when position precedes the segment). */
  frameEnd(segment: SegmentFile, fd: number | undefined, position: number, chunkBytes: number): number {
    if (position < segment.firstPosition) return segmentHeaderBytes;
    const start = this.indexOf(segment).floor(position);
    assert(start !== undefined, `the index of ${segment.path} covers position ${position}`);
    const find = (segmentFd: number): number => {
      const window = new FileWindow(this.fileSystem, segmentFd, segment.sizeBytes, chunkBytes);
      for (const frame of readFrames(segment, window, start.offset, start.position, false)) {
        if (frame.header.position === position) return frame.end;
      }
      throw corruptFrameError(segment.path, segment.sizeBytes, position, 'a missing record');
    };
    return fd === undefined ? withSegmentFd(this.fileSystem, segment.path, find) : find(fd);
  }
}
