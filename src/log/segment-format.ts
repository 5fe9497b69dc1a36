// The bytes of a segment file (see FORMAT.md, "Partition log"): file names, the header, and record frames.
import { CutlineError } from '../errors.js';
import { recordPayloadBytesMax } from '../limits.js';
import { crc32cRange } from './crc32c.js';
import type { AppendRecord } from './log.js';

/** "CUTLOG\r\n": the CR LF pair detects a file mangled by line-ending conversion, as PNG's magic does. */
export const segmentMagic: Uint8Array = Uint8Array.from([0x43, 0x55, 0x54, 0x4c, 0x4f, 0x47, 0x0d, 0x0a]);
export const segmentFormatVersion = 1;
/** magic 8 || version u16 || reserved u16 || headerCrc u32 || segmentId u64 || firstPosition u64. */
export const segmentHeaderBytes = 32;
const headerCrcOffset = 12;
const headerCoveredOffset = 16;
/** length u32 || crc32c u32 || position u64 || timestampMs u64 || recordType u16, then the payload. */
export const frameHeaderBytes = 26;
const frameCrcOffset = 4;
const frameCoveredOffset = 8;
/** The largest frame a reader accepts: a length field above it is damage, not a record. */
export const frameBytesMax = frameHeaderBytes + recordPayloadBytesMax;

const segmentNamePattern = /^(\d{20})\.log$/;
const twoPower32 = 0x1_0000_0000;

export interface SegmentHeader {
  readonly segmentId: number;
  readonly firstPosition: number;
}

/** The file name of a segment: 20 zero-padded decimal digits, so that name order is id order. */
export function segmentFileName(segmentId: number): string {
  return `${String(segmentId).padStart(20, '0')}.log`;
}

/** The segment id a file name encodes, or undefined when the name is not a segment's. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = segmentNamePattern.exec(name);
  if (match?.[1] === undefined) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function writeU64(target: Buffer, offset: number, value: number): void {
  target.writeUInt32LE(value % twoPower32, offset);
  target.writeUInt32LE(Math.floor(value / twoPower32), offset + 4);
}

/** Reads a u64; values above 2^53 - 1 come back as NaN so that callers can reject them. */
export function readU64(source: Buffer, offset: number): number {
  const high = source.readUInt32LE(offset + 4);
  if (high >= 0x20_0000) return Number.NaN;
  return high * twoPower32 + source.readUInt32LE(offset);
}

export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  const bytes = Buffer.alloc(segmentHeaderBytes);
  bytes.set(segmentMagic, 0);
  bytes.writeUInt16LE(segmentFormatVersion, 8);
  writeU64(bytes, 16, header.segmentId);
  writeU64(bytes, 24, header.firstPosition);
  bytes.writeUInt32LE(crc32cRange(bytes, headerCoveredOffset, segmentHeaderBytes), headerCrcOffset);
  return bytes;
}

/** Decodes and checks a header; `path` names the file in errors. */
export function decodeSegmentHeader(bytes: Buffer, path: string): SegmentHeader {
  if (bytes.length < segmentHeaderBytes) {
    throw new CutlineError('LOG_FORMAT', `segment ${path} is ${bytes.length} bytes, shorter than its ${segmentHeaderBytes}-byte header`, {
      hint: 'The file is not a complete cutline segment; restore the log from a backup.',
    });
  }
  if (!bytes.subarray(0, 8).equals(segmentMagic)) {
    throw new CutlineError(
      'LOG_FORMAT',
      `segment ${path} does not start with the segment magic "CUTLOG\\r\\n" (found ${bytes.subarray(0, 8).toString('hex')})`,
      {
        hint: 'The directory holds a file that is not a cutline segment, or the file was overwritten.',
      },
    );
  }
  const version = bytes.readUInt16LE(8);
  if (version !== segmentFormatVersion) {
    throw new CutlineError(
      'LOG_FORMAT',
      `segment ${path} has format version ${version}; this cutline reads version ${segmentFormatVersion}`,
      {
        hint: 'Use the cutline release that wrote the log.',
      },
    );
  }
  const storedCrc = bytes.readUInt32LE(headerCrcOffset);
  const actualCrc = crc32cRange(bytes, headerCoveredOffset, segmentHeaderBytes);
  const segmentId = readU64(bytes, 16);
  const firstPosition = readU64(bytes, 24);
  if (storedCrc !== actualCrc || bytes.readUInt16LE(10) !== 0 || !(segmentId >= 1) || !(firstPosition >= 1)) {
    throw new CutlineError(
      'LOG_CORRUPT',
      `segment ${path} has a damaged header (CRC stored ${storedCrc}, computed ${actualCrc}) at byte offset 0`,
      {
        hint: 'Restore the log from a backup; `cutline log verify` lists every damaged segment.',
      },
    );
  }
  return { segmentId, firstPosition };
}

/** The encoded size of a record's frame. */
export function frameSize(payloadBytes: number): number {
  return frameHeaderBytes + payloadBytes;
}

/** A buffer to encode frames into, with a DataView of it (DataView stores are much cheaper than Buffer's writeUInt32LE). */
export interface FrameTarget {
  readonly bytes: Buffer;
  readonly view: DataView;
}

export function frameTarget(sizeBytes: number): FrameTarget {
  const bytes = Buffer.allocUnsafe(sizeBytes);
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Writes one frame at offset and returns the offset after it. */
export function encodeFrame(record: AppendRecord, position: number, target: FrameTarget, offset: number): number {
  const { bytes, view } = target;
  const end = offset + frameHeaderBytes + record.payload.length;
  view.setUint32(offset, record.payload.length, true);
  view.setUint32(offset + 8, position % twoPower32, true);
  view.setUint32(offset + 12, Math.floor(position / twoPower32), true);
  view.setUint32(offset + 16, record.timestampMs % twoPower32, true);
  view.setUint32(offset + 20, Math.floor(record.timestampMs / twoPower32), true);
  view.setUint16(offset + 24, record.recordType, true);
  bytes.set(record.payload, offset + frameHeaderBytes);
  view.setUint32(offset + frameCrcOffset, crc32cRange(bytes, offset + frameCoveredOffset, end), true);
  return end;
}

/** The fixed fields of a frame, read without checking the CRC. */
export interface FrameHeader {
  readonly payloadBytes: number;
  readonly storedCrc: number;
  readonly position: number;
  readonly timestampMs: number;
  readonly recordType: number;
}

export function decodeFrameHeader(source: Buffer, offset: number): FrameHeader {
  return {
    payloadBytes: source.readUInt32LE(offset),
    storedCrc: source.readUInt32LE(offset + frameCrcOffset),
    position: readU64(source, offset + 8),
    timestampMs: readU64(source, offset + 16),
    recordType: source.readUInt16LE(offset + 24),
  };
}

/**
 * Why a frame whose length field says payloadBytes is damage (a length above the limit), or undefined when
 * the length is acceptable. Every frame reader uses this one check, so their damage reports agree.
 */
export function frameLengthDamageReason(payloadBytes: number): string | undefined {
  if (frameHeaderBytes + payloadBytes <= frameBytesMax) return undefined;
  return `a length field of ${payloadBytes} bytes, above the ${frameBytesMax - frameHeaderBytes}-byte payload limit`;
}

/** The damage reason of a whole frame whose CRC does not match its bytes. */
export const frameCrcMismatchReason = 'a CRC mismatch';

/** The damage reason of a frame that the end of the file cuts short, bytesLeft bytes after its offset. */
export function frameCutShortReason(bytesLeft: number): string {
  return `a frame cut short by the end of the file (${bytesLeft} bytes left)`;
}

/** Whether the whole frame at offset (header and payload present in source) has a matching CRC. */
export function frameCrcMatches(source: Buffer, offset: number, header: FrameHeader): boolean {
  const end = offset + frameHeaderBytes + header.payloadBytes;
  return crc32cRange(source, offset + frameCoveredOffset, end) === header.storedCrc;
}
