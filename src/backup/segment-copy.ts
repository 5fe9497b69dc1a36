// The log segments a backup copies: chosen from a list taken at copy start, each read through an open handle and cut at its durable length.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { SegmentInfo } from '../log/log.js';
import { frameHeaderBytes, readU64, segmentHeaderBytes } from '../log/segment-format.js';
import { CutlineError } from '../errors.js';
import type { StreamBody } from '../store/backup-store.js';

const walkChunkBytes = 1024 * 1024;
/** Read size of uploads: large chunks mean fewer callbacks and hash updates per MiB on the engine's thread. */
const copyChunkBytes = 1024 * 1024;

/** One segment as the backup copies it: bytes [0, lengthBytes) of the file behind handle. */
export interface SegmentCopy {
  readonly segmentId: number;
  readonly path: string;
  readonly firstPosition: number;
  /** The last record inside the copied bytes. */
  readonly lastPosition: number;
  /** The durable length read at copy start; the copy holds exactly these bytes. */
  readonly lengthBytes: number;
  readonly handle: FileHandle;
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
 * once, now. The caller's snapshot reservation (or log hold) keeps these segments from compaction, and
 * an open handle keeps a file readable even if it were deleted. Segments that hold no durable record
 * are left out. The caller closes the handles (closeHandles), also when this throws.
 */
export async function openSegmentCopies(
  segments: readonly SegmentInfo[],
  fromPosition: number,
  opened: { handle: FileHandle }[],
): Promise<SegmentCopy[]> {
  const copies: SegmentCopy[] = [];
  for (const segment of segments) {
    if (segment.lastPosition < fromPosition || segment.lastPosition < segment.firstPosition) continue;
    const handle = await open(segment.path, 'r');
    opened.push({ handle });
    const lengthBytes = segment.durableSizeBytes;
    // Appended but not yet flushed records lie beyond the durable length: find the last whole one before it.
    const lastPosition = lengthBytes === segment.sizeBytes ? segment.lastPosition : await lastPositionWithin(handle, segment, lengthBytes);
    if (lastPosition >= segment.firstPosition && lastPosition >= fromPosition) {
      copies.push({
        segmentId: segment.segmentId,
        path: segment.path,
        firstPosition: segment.firstPosition,
        lastPosition,
        lengthBytes,
        handle,
      });
    }
  }
  return copies;
}

/** Closes handles; FileHandle.close waits for reads still in flight (of an aborted upload, say). */
export async function closeHandles(opened: readonly { readonly handle: FileHandle }[]): Promise<void> {
  await Promise.allSettled(opened.map((entry) => entry.handle.close()));
}

/** A body reading bytes [0, lengthBytes) through a handle; each attempt of a retried put re-reads from 0. */
export function handleBody(handle: FileHandle, lengthBytes: number): StreamBody {
  return {
    sizeBytes: lengthBytes,
    // The handle stays open across attempts: the caller closes it once the backup is over.
    open: () =>
      lengthBytes === 0
        ? Readable.from([])
        : handle.createReadStream({ start: 0, end: lengthBytes - 1, autoClose: false, highWaterMark: copyChunkBytes }),
  };
}

/**
 * Walks the frame headers in bytes [32, lengthBytes) of a segment and returns the position of the last
 * frame. The durable length always ends at a frame boundary (the log flushes whole records), so a
 * frame running past it, or a position out of sequence, is damage and fails the backup.
 */
async function lastPositionWithin(handle: FileHandle, segment: SegmentInfo, lengthBytes: number): Promise<number> {
  const buffer = Buffer.alloc(walkChunkBytes);
  let offset = segmentHeaderBytes;
  let expected = segment.firstPosition;
  while (offset < lengthBytes) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(walkChunkBytes, lengthBytes - offset), offset);
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
