// Frame integrity established when a backup is taken: every frame of a segment it uploads is checked (CRC, position, record outline).
import { CutlineError, isCutlineError } from '../errors.js';
import { SegmentStreamScanner, type StreamedFrame } from '../log/segment-stream-scan.js';
import type { SegmentHeader } from '../log/segment-format.js';
import { CommandIndexBuilder, commandIndexEntryOf } from './command-index.js';

/** Where a checked segment ends: enough to check only its appended bytes next time (in this process). */
export interface CheckedFrames {
  readonly header: SegmentHeader;
  /** The offset after the last frame checked: the file's durable end when it was backed up. */
  readonly endOffset: number;
  readonly lastPosition: number;
  /** The command index entries of the frames checked (FORMAT.md "Command index"), without the file's header. */
  readonly commands: Buffer;
}

/** What the log says a segment copy holds: its records, first to last, in bytes [0, sizeBytes). */
export interface ExpectedFrames {
  /** The segment file on disk, for messages. */
  readonly file: string;
  readonly firstPosition: number;
  readonly lastPosition: number;
}

/**
 * Fed the bytes of one segment in order (from its start, or from where a previous check of the same file
 * ended), it checks every frame as restore and the engine will read it: the CRC, the position following
 * the one before, the record type, a payload that is a UTF-8 JSON object and an inter-partition command's
 * source (peekRecord). Damage up to the durable end the backup copies fails the backup with
 * BACKUP_SOURCE_DAMAGED (FORMAT.md, "Chain of trust"): a damaged log is reported when it is backed up,
 * not found at 3 a.m. by the restore that needs it.
 */
export class SegmentSourceCheck {
  private readonly scanner: SegmentStreamScanner;
  private readonly commands: CommandIndexBuilder;
  private malformed: { readonly position: number; readonly offset: number; readonly message: string } | undefined;

  constructor(
    private readonly expected: ExpectedFrames,
    resume: CheckedFrames | undefined,
  ) {
    const onFrame = (frame: StreamedFrame): void => this.onFrame(frame);
    const path = expected.file;
    this.commands = new CommandIndexBuilder(resume?.commands);
    this.scanner = resume === undefined ? new SegmentStreamScanner(path, onFrame) : SegmentStreamScanner.resumed(path, onFrame, resume);
  }

  push(bytes: Buffer): void {
    try {
      this.scanner.push(bytes);
    } catch (error) {
      throw isCutlineError(error) ? this.damaged(`its header is unreadable: ${error.message}`, error) : error;
    }
  }

  /** Throws BACKUP_SOURCE_DAMAGED unless every frame was whole and valid and the last one is the expected last position. */
  finish(): CheckedFrames {
    let summary;
    try {
      summary = this.scanner.finish();
    } catch (error) {
      throw isCutlineError(error) ? this.damaged(`its header is unreadable: ${error.message}`, error) : error;
    }
    const { header, damage, lastPosition, endOffset } = summary;
    if (header.firstPosition !== this.expected.firstPosition) {
      throw this.damaged(
        `its header says it starts at position ${header.firstPosition}, but the log lists it from position ${this.expected.firstPosition}`,
      );
    }
    if (damage !== undefined) throw this.damaged(`at offset ${damage.offset} (position ${damage.position}): ${damage.reason}`);
    if (this.malformed !== undefined)
      throw this.damaged(
        `the record at position ${this.malformed.position} (offset ${this.malformed.offset}) is malformed: ${this.malformed.message}`,
      );
    if (lastPosition !== this.expected.lastPosition) {
      throw this.damaged(
        `its frames end at position ${lastPosition}, but the log lists records up to position ${this.expected.lastPosition}`,
      );
    }
    return { header, endOffset, lastPosition, commands: this.commands.entries() };
  }

  private onFrame({ header, payload, offset }: StreamedFrame): void {
    if (this.malformed !== undefined) return;
    try {
      const entry = commandIndexEntryOf({
        position: header.position,
        timestampMs: header.timestampMs,
        recordType: header.recordType,
        payload,
      });
      if (entry !== undefined) this.commands.add(entry);
    } catch (error) {
      if (!isCutlineError(error)) throw error;
      this.malformed = { position: header.position, offset, message: error.message };
    }
  }

  private damaged(detail: string, cause?: unknown): CutlineError {
    return new CutlineError('BACKUP_SOURCE_DAMAGED', `segment ${this.expected.file} of the engine's log cannot be backed up: ${detail}`, {
      ...(cause === undefined ? {} : { cause }),
      hint: "The engine's own log is damaged on disk (a disk or filesystem fault): earlier backups are unaffected. Check the disk, and restore the partition from the newest COMPLETED backup if the engine cannot replay it.",
    });
  }
}
