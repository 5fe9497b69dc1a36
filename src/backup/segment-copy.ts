// The log segments a backup copies: chosen from a list taken at copy start, each pinned by an open descriptor and cut at its durable length.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { SegmentInfo } from '../log/log.js';
import { frameHeaderBytes, readU64, segmentHeaderBytes } from '../log/segment-format.js';
import { CutlineError } from '../errors.js';
import type { StreamBody } from '../store/backup-store.js';

const readAt = promisify(fs.read);
const walkChunkBytes = 1024 * 1024;

/** One segment as the backup copies it: bytes [0, lengthBytes) of the file behind fd. */
export interface SegmentCopy {
  readonly segmentId: number;
  readonly path: string;
  readonly firstPosition: number;
  /** The last record inside the copied bytes. */
  readonly lastPosition: number;
  /** The durable length read at copy start; the copy holds exactly these bytes. */
  readonly lengthBytes: number;
  readonly fd: number;
}

/**
 * The name of a segment in a backup: its first position in 20 digits. Segment ids are reused after a
 * truncation, so they would not tell two different segments apart; positions never are.
 */
export function segmentObjectPath(firstPosition: number): string {
  return `segments/${String(firstPosition).padStart(20, '0')}.log`;
}

/**
 * Opens every segment holding a record at or after `fromPosition`, reading each one's durable length
 * once, now. The descriptors are opened synchronously right after the list is taken, so compaction
 * cannot delete a file in between; a file deleted later stays readable through its descriptor.
 * Segments that hold no durable record are left out. The caller closes the descriptors (closeCopies).
 */
export async function openSegmentCopies(segments: readonly SegmentInfo[], fromPosition: number): Promise<SegmentCopy[]> {
  const chosen = segments.filter((segment) => segment.lastPosition >= fromPosition && segment.lastPosition >= segment.firstPosition);
  const opened = chosen.map((segment) => ({ segment, fd: fs.openSync(segment.path, 'r') }));
  const copies: SegmentCopy[] = [];
  try {
    for (const { segment, fd } of opened) {
      const lengthBytes = segment.durableSizeBytes;
      // Appended but not yet flushed records lie beyond the durable length: find the last whole one before it.
      const lastPosition = lengthBytes === segment.sizeBytes ? segment.lastPosition : await lastPositionWithin(fd, segment, lengthBytes);
      copies.push({ segmentId: segment.segmentId, path: segment.path, firstPosition: segment.firstPosition, lastPosition, lengthBytes, fd });
    }
  } catch (error) {
    for (const { fd } of opened) fs.closeSync(fd);
    throw error;
  }
  for (const { fd } of opened.slice(copies.length)) fs.closeSync(fd);
  return copies.filter((copy) => copy.lastPosition >= copy.firstPosition && copy.lastPosition >= fromPosition);
}

export function closeCopies(copies: readonly { readonly fd: number }[]): void {
  for (const copy of copies) fs.closeSync(copy.fd);
}

/** A body reading bytes [0, lengthBytes) through a descriptor; each attempt of a retried put re-reads from 0. */
export function descriptorBody(fd: number, lengthBytes: number): StreamBody {
  return {
    sizeBytes: lengthBytes,
    // The descriptor stays open across attempts: the caller closes it once the backup is over.
    open: () => (lengthBytes === 0 ? Readable.from([]) : fs.createReadStream('', { fd, start: 0, end: lengthBytes - 1, autoClose: false })),
  };
}

/**
 * Walks the frame headers in bytes [32, lengthBytes) of a segment and returns the position of the last
 * frame. The durable length always ends at a frame boundary (the log flushes whole records), so a
 * frame running past it, or a position out of sequence, is damage and fails the backup.
 */
async function lastPositionWithin(fd: number, segment: SegmentInfo, lengthBytes: number): Promise<number> {
  const buffer = Buffer.alloc(walkChunkBytes);
  let offset = segmentHeaderBytes;
  let expected = segment.firstPosition;
  while (offset < lengthBytes) {
    const { bytesRead } = await readAt(fd, buffer, 0, Math.min(walkChunkBytes, lengthBytes - offset), offset);
    let at = 0;
    while (at + frameHeaderBytes <= bytesRead) {
      const position = readU64(buffer, at + 8);
      if (position !== expected) throw damaged(segment, offset + at, `holds position ${position} where ${expected} belongs`);
      const next = at + frameHeaderBytes + buffer.readUInt32LE(at);
      if (offset + next > lengthBytes) throw damaged(segment, offset + at, `has a frame that runs past the durable length ${lengthBytes}`);
      expected += 1;
      at = next;
    }
    if (at === 0) throw damaged(segment, offset, `ends ${bytesRead} bytes into a frame header at its durable length ${lengthBytes}`);
    offset += at;
  }
  return expected - 1;
}

function damaged(segment: SegmentInfo, offset: number, detail: string): CutlineError {
  return new CutlineError('LOG_CORRUPT', `segment ${segment.path} at byte ${offset} ${detail}`, {
    hint: 'Run `cutline log verify` on the partition log; the backup was not taken.',
  });
}
