// The partition log on disk: segment files of CRC-framed records, rolled at a size limit, with sparse indexes.
import { assert } from '../assert.js';
import type { ErrorCode } from '../error-codes.js';
import { CutlineError, isCutlineError } from '../errors.js';
import { segmentBytesDefault } from '../limits.js';
import { checkAppendRecords, checkSegmentSize } from './append-checks.js';
import { nodeLogFileSystem, type LogFileSystem } from './file-system.js';
import type { AppendRecord, FsyncPolicy, Log, LogRecord, SegmentInfo } from './log.js';
import { encodeFrame, frameSize, frameTarget } from './segment-format.js';
import { corruptFrameError, createSegmentFile, findSegmentHolding, type SegmentFile } from './segment-file.js';
import { recoverLog, type RecoveryReport } from './segment-recovery.js';
import { SegmentReader } from './segment-reader.js';
import { SparseIndex } from './sparse-index.js';

export interface SegmentedLogOptions {
  readonly directory: string;
  /** The writer rolls to a new segment before a record that would make the segment larger. */
  readonly segmentSizeBytes?: number;
  readonly fsyncPolicy?: FsyncPolicy;
  readonly fs?: LogFileSystem;
  /** Inspect only: no directory or segment is created, a torn tail is reported but not cut. */
  readonly readOnly?: boolean;
  /** Distance between sparse index entries; a seek scans at most this many bytes of frames. */
  readonly indexIntervalBytes?: number;
}

/** Damage found by verify(), in the shape verify-backup reports findings. */
export interface LogFinding {
  readonly code: ErrorCode;
  readonly path: string;
  readonly message: string;
}

export const indexIntervalBytesDefault = 4096;
const readChunkBytes = 1024 * 1024;
const seekChunkBytes = 64 * 1024;

export class SegmentedLog implements Log {
  /** What opening the directory found and repaired. */
  readonly recovery: RecoveryReport;
  private readonly fileSystem: LogFileSystem;
  private readonly reader: SegmentReader;
  private readonly list: SegmentFile[];
  private activeFd: number;
  private failure: unknown = undefined;
  private closed = false;

  private constructor(
    readonly directory: string,
    private readonly segmentSizeBytes: number,
    private readonly fsyncPolicy: FsyncPolicy,
    private readonly readOnly: boolean,
    private readonly indexIntervalBytes: number,
    fileSystem: LogFileSystem,
  ) {
    this.fileSystem = fileSystem;
    this.reader = new SegmentReader(fileSystem, indexIntervalBytes);
    const recovered = recoverLog(fileSystem, directory, { readOnly, indexIntervalBytes });
    this.list = recovered.segments;
    this.activeFd = recovered.activeFd;
    this.recovery = recovered.report;
  }

  /** Opens (creating when absent, unless read-only) the log in a directory and recovers its tail. */
  static open(options: SegmentedLogOptions): SegmentedLog {
    const segmentSizeBytes = options.segmentSizeBytes ?? segmentBytesDefault;
    checkSegmentSize(segmentSizeBytes);
    const indexIntervalBytes = options.indexIntervalBytes ?? indexIntervalBytesDefault;
    return new SegmentedLog(
      options.directory,
      segmentSizeBytes,
      options.fsyncPolicy ?? 'manual',
      options.readOnly ?? false,
      indexIntervalBytes,
      options.fs ?? nodeLogFileSystem,
    );
  }

  get firstPosition(): number {
    return this.first.firstPosition;
  }

  get lastPosition(): number {
    return this.active.lastPosition;
  }

  append(records: readonly AppendRecord[]): number {
    this.checkWritable();
    checkAppendRecords(records);
    let start = 0;
    while (start < records.length) {
      const end = this.recordsThatFit(records, start);
      if (end === start) {
        this.roll();
      } else {
        this.writeFrames(records.slice(start, end));
        start = end;
      }
    }
    if (this.fsyncPolicy === 'every-append') this.flush();
    return this.lastPosition;
  }

  flush(): void {
    this.checkWritable();
    const active = this.active;
    if (active.durableSizeBytes === active.sizeBytes) return;
    this.io(`fsync of ${active.path}`, () => this.fileSystem.syncFile(this.activeFd));
    active.durableSizeBytes = active.sizeBytes;
  }

  read(fromPosition: number): Iterable<LogRecord> {
    this.checkOpen();
    if (!Number.isSafeInteger(fromPosition) || fromPosition < this.firstPosition) {
      throw new CutlineError(
        'LOG_POSITION',
        `cannot read from position ${fromPosition}: the log holds positions ${this.firstPosition}..${this.lastPosition}`,
        {
          hint: 'Records below the first position were compacted away; read from a backup instead.',
        },
      );
    }
    return this.readFrom(fromPosition);
  }

  get(position: number): LogRecord | undefined {
    this.checkOpen();
    if (!Number.isSafeInteger(position) || position < this.firstPosition || position > this.lastPosition) return undefined;
    const segment = this.segmentHolding(position);
    for (const record of this.reader.records(segment, this.fdOf(segment), position, seekChunkBytes)) return record;
    throw corruptFrameError(segment.path, segment.sizeBytes, position, 'a missing record');
  }

  truncateAfter(position: number): void {
    this.checkWritable();
    if (!Number.isSafeInteger(position) || position < this.firstPosition - 1 || position > this.lastPosition) {
      throw new CutlineError(
        'LOG_POSITION',
        `cannot truncate after position ${position}: the log holds positions ${this.firstPosition}..${this.lastPosition}`,
        {
          hint: 'Truncate after a position the log holds (or firstPosition - 1 to empty it).',
        },
      );
    }
    // Either way the log is durable when truncateAfter returns: restore relies on that before it reports success.
    if (position === this.lastPosition) return this.flush();
    const keepIndex = position < this.firstPosition ? 0 : this.list.indexOf(this.segmentHolding(position));
    const keep = this.list[keepIndex];
    assert(keep !== undefined, 'the kept segment exists');
    // Locate the cut before deleting anything, so that a damaged segment leaves the log untouched.
    // The kept segment becomes the active one, which is always indexed.
    const keepIndexEntries = this.reader.indexOf(keep);
    const cutOffset = this.reader.frameEnd(keep, this.fdOf(keep), position, seekChunkBytes);
    // Later segments go first, highest id down, each deletion made durable: a crash leaves a valid prefix.
    this.io(`closing ${this.active.path}`, () => this.fileSystem.closeFile(this.activeFd));
    this.activeFd = -1;
    while (this.list.length > keepIndex + 1) {
      const doomed = this.list.at(-1);
      assert(doomed !== undefined, 'a later segment exists');
      this.io(`deleting ${doomed.path}`, () => {
        this.fileSystem.removeFile(doomed.path);
        this.fileSystem.syncDirectory(this.directory);
      });
      this.list.pop();
    }
    this.io(`truncating ${keep.path} to ${cutOffset} bytes`, () => {
      this.activeFd = this.fileSystem.openFile(keep.path, 'read-write');
      this.fileSystem.truncateFile(this.activeFd, cutOffset);
      this.fileSystem.syncFile(this.activeFd);
    });
    keep.lastPosition = position < keep.firstPosition ? keep.firstPosition - 1 : position;
    keep.sizeBytes = cutOffset;
    keep.durableSizeBytes = cutOffset;
    keepIndexEntries.truncateAfter(position);
  }

  compactBelow(position: number): void {
    this.checkWritable();
    // Oldest first, each deletion made durable: a crash leaves a valid suffix. The active segment always stays.
    while (this.list.length > 1 && this.first.lastPosition < position) {
      const doomed = this.first;
      this.io(`deleting ${doomed.path}`, () => {
        this.fileSystem.removeFile(doomed.path);
        this.fileSystem.syncDirectory(this.directory);
      });
      this.list.shift();
    }
  }

  segments(): readonly SegmentInfo[] {
    return this.list.map((segment) => segment.info());
  }

  /** Reads every segment in full, checking every CRC and position; returns one finding per damaged segment. */
  verify(): readonly LogFinding[] {
    this.checkOpen();
    const findings: LogFinding[] = [];
    for (const segment of this.list) {
      try {
        this.reader.indexOf(segment);
      } catch (error) {
        if (!isCutlineError(error)) throw error;
        findings.push({ code: error.code, path: segment.path, message: error.message });
      }
    }
    return findings;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.activeFd >= 0) this.fileSystem.closeFile(this.activeFd);
    this.activeFd = -1;
  }

  private get first(): SegmentFile {
    const segment = this.list[0];
    assert(segment !== undefined, 'a log has at least one segment');
    return segment;
  }

  private get active(): SegmentFile {
    const segment = this.list.at(-1);
    assert(segment !== undefined, 'a log has at least one segment');
    return segment;
  }

  private checkOpen(): void {
    assert(!this.closed, `the log in ${this.directory} is closed`);
  }

  private checkWritable(): void {
    this.checkOpen();
    assert(!this.readOnly, `the log in ${this.directory} was opened read-only`);
    if (this.failure !== undefined) {
      throw new CutlineError('LOG_IO', `an earlier file operation on the log in ${this.directory} failed; the log refuses further writes`, {
        cause: this.failure,
        hint: 'Close and reopen the log: recovery on open cuts a partly written tail back.',
      });
    }
  }

  /** Runs a file operation; a failure leaves the files in an unknown state, so the log refuses writes until reopened. */
  private io<T>(what: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      this.failure = error;
      throw new CutlineError('LOG_IO', `${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        hint: 'Fix the file system problem, then reopen the log: recovery on open cuts a partly written tail back.',
      });
    }
  }

  /** How many of records[start..] fit in the active segment; an empty segment takes at least one. */
  private recordsThatFit(records: readonly AppendRecord[], start: number): number {
    const active = this.active;
    let bytes = active.sizeBytes;
    let end = start;
    for (const record of records.slice(start)) {
      const size = frameSize(record.payload.length);
      if (bytes + size > this.segmentSizeBytes && !(active.isEmpty && end === start)) break;
      bytes += size;
      end += 1;
    }
    return end;
  }

  private writeFrames(records: readonly AppendRecord[]): void {
    const active = this.active;
    const target = frameTarget(records.reduce((sum, record) => sum + frameSize(record.payload.length), 0));
    const bytes = target.bytes;
    const offsets: number[] = [];
    let offset = 0;
    let position = active.lastPosition;
    for (const record of records) {
      position += 1;
      offsets.push(active.sizeBytes + offset);
      offset = encodeFrame(record, position, target, offset);
    }
    assert(offset === bytes.length, 'frames fill the buffer exactly');
    this.io(`writing ${bytes.length} bytes to ${active.path}`, () => this.fileSystem.writeAt(this.activeFd, bytes, active.sizeBytes));
    const index = active.index;
    assert(index !== undefined, 'the active segment is indexed');
    offsets.forEach((frameOffset, at) => index.add(active.lastPosition + 1 + at, frameOffset));
    active.lastPosition = position;
    active.sizeBytes += bytes.length;
  }

  /** Seals the active segment (fsynced, so only the last segment can ever have a torn tail) and starts the next. */
  private roll(): void {
    const sealed = this.active;
    this.io(`sealing ${sealed.path}`, () => {
      this.fileSystem.syncFile(this.activeFd);
      this.fileSystem.closeFile(this.activeFd);
    });
    sealed.durableSizeBytes = sealed.sizeBytes;
    this.activeFd = -1;
    const created = this.io(`creating segment ${sealed.segmentId + 1} in ${this.directory}`, () =>
      createSegmentFile(this.fileSystem, this.directory, sealed.segmentId + 1, sealed.lastPosition + 1),
    );
    created.segment.index = new SparseIndex(this.indexIntervalBytes);
    this.list.push(created.segment);
    this.activeFd = created.fd;
  }

  private segmentHolding(position: number): SegmentFile {
    return findSegmentHolding(this.list, position);
  }

  private *readFrom(fromPosition: number): Generator<LogRecord> {
    let position = fromPosition;
    while (position <= this.lastPosition) {
      const segment = this.segmentHolding(position);
      const before = position;
      for (const record of this.reader.records(segment, this.fdOf(segment), position, readChunkBytes)) {
        yield record;
        position = record.position + 1;
      }
      if (position === before) throw corruptFrameError(segment.path, segment.sizeBytes, position, 'a missing record');
    }
  }

  /** The open descriptor of a segment: only the active segment keeps one. */
  private fdOf(segment: SegmentFile): number | undefined {
    return segment === this.active ? this.activeFd : undefined;
  }
}
