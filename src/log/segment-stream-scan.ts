// A push-based scanner of one segment file fed in chunks, with the answers readFrame and scanSegment give for the same bytes.
import { assert } from '../assert.js';
import {
  decodeFrameHeader,
  decodeSegmentHeader,
  frameCrcMatches,
  frameCrcMismatchReason,
  frameCutShortReason,
  frameHeaderBytes,
  frameLengthDamageReason,
  readU64,
  segmentHeaderBytes,
  type FrameHeader,
  type SegmentHeader,
} from './segment-format.js';
import type { SegmentDamage } from './segment-scan.js';

/** One whole, CRC-checked frame at the expected position. `payload` is a view valid only during the callback. */
export interface StreamedFrame {
  /** Byte offset of the frame in the file. */
  readonly offset: number;
  readonly header: FrameHeader;
  readonly payload: Buffer;
}

/** Where valid frames stop: the first frame that is not whole, not valid, or not at the expected position. */
export interface StreamedDamage extends SegmentDamage {
  readonly kind: 'partial' | 'damaged' | 'position';
  /** For kind 'position': the position the frame holds. */
  readonly foundPosition?: number;
}

export interface SegmentStreamSummary {
  readonly header: SegmentHeader;
  /** Position of the last whole, valid record; header.firstPosition - 1 when none. */
  readonly lastPosition: number;
  /** Byte offset just after that record (the header's end when none). */
  readonly endOffset: number;
  readonly damage: StreamedDamage | undefined;
  /** Total bytes pushed. */
  readonly sizeBytes: number;
}

/** The frame's length field: known as soon as these bytes are, and enough to reject a frame above the limit. */
const lengthFieldBytes = 4;

/**
 * Checks the frames of one segment file from bytes pushed in order, in chunks of any size, reading each
 * byte once: frames inside a chunk are checked in place, and only a frame that straddles chunks is copied,
 * into a buffer of its exact size. A throwing onFrame leaves the scanner unusable.
 */
export class SegmentStreamScanner {
  private readonly headerBytes = Buffer.allocUnsafe(segmentHeaderBytes);
  private headerFilled = 0;
  private header: SegmentHeader | undefined;
  private sizeBytes = 0;
  /** Byte offset of the next frame to check (of the damaged frame once there is damage). */
  private frameOffset = segmentHeaderBytes;
  /** The position the next frame must hold. */
  private expectedPosition = 0;
  /** The bytes so far of a frame straddling chunks: its length field in lengthBytes, then all of it in straddle. */
  private readonly lengthBytes = Buffer.allocUnsafe(lengthFieldBytes);
  private straddle: Buffer | undefined;
  private straddleFilled = 0;
  private damage: StreamedDamage | undefined;

  /**
   * Without onFrame and with `crc: false` the scanner follows lengths and positions only (a restore of a
   * backup whose frames were checked when it was taken, FORMAT.md "Chain of trust"): it finds where the
   * frames end and a position out of order, not a damaged payload.
   */
  constructor(
    private readonly path: string,
    private readonly onFrame: ((frame: StreamedFrame) => void) | undefined,
    private readonly options: { readonly crc: boolean } = { crc: true },
  ) {}

  /**
   * A scanner that goes on where an earlier scan of the same file ended: at `endOffset`, a frame boundary
   * after the record at `lastPosition`. Bytes are then pushed from endOffset on.
   */
  static resumed(
    path: string,
    onFrame: ((frame: StreamedFrame) => void) | undefined,
    from: { readonly header: SegmentHeader; readonly endOffset: number; readonly lastPosition: number },
  ): SegmentStreamScanner {
    assert(from.endOffset >= segmentHeaderBytes, `a scan of ${path} resumes after its header (at ${from.endOffset})`);
    const scanner = new SegmentStreamScanner(path, onFrame);
    scanner.header = from.header;
    scanner.headerFilled = segmentHeaderBytes;
    scanner.sizeBytes = from.endOffset;
    scanner.frameOffset = from.endOffset;
    scanner.expectedPosition = from.lastPosition + 1;
    return scanner;
  }

  /**
   * Feeds the next bytes of the file. Throws decodeSegmentHeader's errors (LOG_FORMAT, LOG_CORRUPT) as soon as
   * the 32-byte header is complete and bad. After damage, later bytes are counted but not parsed.
   */
  push(chunk: Buffer): void {
    this.sizeBytes += chunk.length;
    if (this.damage !== undefined) return;
    let at = 0;
    if (this.header === undefined) {
      at = this.pushHeader(chunk);
      if (this.header === undefined) return;
    }
    if (this.straddleFilled > 0) at = this.pushStraddle(chunk, at);
    // A straddling frame just completed may be damaged: nothing after it is parsed (it would overwrite the damage).
    if (this.straddleFilled === 0 && this.damage === undefined) at = this.scanInPlace(chunk, at);
    if (at < chunk.length && this.damage === undefined) at = this.pushStraddle(chunk, at);
    assert(at === chunk.length || this.damage !== undefined, 'a chunk is consumed whole unless frames are damaged');
  }

  /** Ends the file: a frame left incomplete is damage of kind 'partial'. Throws LOG_FORMAT when the header is incomplete. */
  finish(): SegmentStreamSummary {
    const header = this.header ?? decodeSegmentHeader(this.headerBytes.subarray(0, this.headerFilled), this.path);
    const bytesLeft = this.sizeBytes - this.frameOffset;
    let damage = this.damage;
    // readFrame needs the whole 26-byte frame header before it looks at the length, so a length above the limit
    // that the file cuts short within those bytes is, for it, a frame cut short; the scanner says the same.
    // (Only a length can be damage with fewer bytes: a CRC mismatch needs the whole frame.)
    const cutBeforeLengthCheck = damage?.kind === 'damaged' && bytesLeft < frameHeaderBytes;
    if ((damage === undefined && bytesLeft > 0) || cutBeforeLengthCheck) {
      damage = { kind: 'partial', offset: this.frameOffset, position: this.expectedPosition, reason: frameCutShortReason(bytesLeft) };
    }
    return { header, lastPosition: this.expectedPosition - 1, endOffset: this.frameOffset, damage, sizeBytes: this.sizeBytes };
  }

  /** Collects the segment header (decoding it once whole) and returns the offset in chunk after its bytes. */
  private pushHeader(chunk: Buffer): number {
    const taken = chunk.copy(this.headerBytes, this.headerFilled, 0, Math.min(chunk.length, segmentHeaderBytes - this.headerFilled));
    this.headerFilled += taken;
    if (this.headerFilled === segmentHeaderBytes) {
      const header = decodeSegmentHeader(this.headerBytes, this.path);
      this.header = header;
      this.expectedPosition = header.firstPosition;
    }
    return taken;
  }

  /** Checks the frames lying whole in chunk from at on, in place; returns the offset of the first one that does not. */
  private scanInPlace(chunk: Buffer, start: number): number {
    let at = start;
    while (chunk.length - at >= lengthFieldBytes) {
      const payloadBytes = chunk.readUInt32LE(at);
      if (this.isLengthDamaged(payloadBytes)) return at;
      const frameEnd = at + frameHeaderBytes + payloadBytes;
      if (frameEnd > chunk.length || !this.checkFrame(chunk, at)) return at;
      at = frameEnd;
    }
    return at;
  }

  /**
   * Adds bytes from chunk to the frame straddling chunks (starting one when there is none): first its length
   * field, then, once the length is known and acceptable, the rest into a buffer of the frame's exact size.
   * Checks the frame when it is whole; returns the offset in chunk after the bytes taken.
   */
  private pushStraddle(chunk: Buffer, start: number): number {
    let at = start;
    if (this.straddle === undefined) {
      const taken = chunk.copy(
        this.lengthBytes,
        this.straddleFilled,
        at,
        Math.min(chunk.length, at + lengthFieldBytes - this.straddleFilled),
      );
      this.straddleFilled += taken;
      at += taken;
      if (this.straddleFilled < lengthFieldBytes) return at;
      const payloadBytes = this.lengthBytes.readUInt32LE(0);
      if (this.isLengthDamaged(payloadBytes)) return at;
      this.straddle = Buffer.allocUnsafe(frameHeaderBytes + payloadBytes);
      this.lengthBytes.copy(this.straddle, 0);
    }
    const straddle = this.straddle;
    const taken = chunk.copy(straddle, this.straddleFilled, at, Math.min(chunk.length, at + straddle.length - this.straddleFilled));
    this.straddleFilled += taken;
    at += taken;
    if (this.straddleFilled === straddle.length) {
      this.straddle = undefined;
      this.straddleFilled = 0;
      this.checkFrame(straddle, 0);
    }
    return at;
  }

  /** Marks damage when a length field is above the limit: no later byte can make such a frame valid. */
  private isLengthDamaged(payloadBytes: number): boolean {
    const reason = frameLengthDamageReason(payloadBytes);
    if (reason === undefined) return false;
    this.damage = { kind: 'damaged', offset: this.frameOffset, position: this.expectedPosition, reason };
    return true;
  }

  /** Checks the whole frame at source[at..] as readFrame and scanSegment do (CRC, then position) and hands it on. */
  private checkFrame(source: Buffer, at: number): boolean {
    if (this.onFrame === undefined && !this.options.crc) return this.followFrame(source, at);
    const header = decodeFrameHeader(source, at);
    const offset = this.frameOffset;
    const position = this.expectedPosition;
    if (this.options.crc && !frameCrcMatches(source, at, header)) {
      this.damage = { kind: 'damaged', offset, position, reason: frameCrcMismatchReason };
      return false;
    }
    if (header.position !== position) {
      const reason = `a frame holding position ${header.position}, expected ${position}`;
      this.damage = { kind: 'position', offset, position, reason, foundPosition: header.position };
      return false;
    }
    const payloadEnd = at + frameHeaderBytes + header.payloadBytes;
    this.frameOffset = offset + frameHeaderBytes + header.payloadBytes;
    this.expectedPosition = position + 1;
    this.onFrame?.({ offset, header, payload: source.subarray(at + frameHeaderBytes, payloadEnd) });
    return true;
  }

  /** checkFrame's position check alone, reading two fields of the frame header (no CRC, no callback). */
  private followFrame(source: Buffer, at: number): boolean {
    const position = this.expectedPosition;
    const found = readU64(source, at + 8);
    if (found !== position) {
      const reason = `a frame holding position ${found}, expected ${position}`;
      this.damage = { kind: 'position', offset: this.frameOffset, position, reason, foundPosition: found };
      return false;
    }
    this.frameOffset += frameHeaderBytes + source.readUInt32LE(at);
    this.expectedPosition = position + 1;
    return true;
  }
}
