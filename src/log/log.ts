// The contract of a partition's append-only log: what the engine and the backup manager rely on.

/** One record as stored: positions are strictly increasing, starting at 1, with no gaps. */
export interface LogRecord {
  readonly position: number;
  /** Milliseconds since the Unix epoch, as given by the appender's clock. */
  readonly timestampMs: number;
  /** An application-defined record type (0..65535); the engine defines its own in src/engine. */
  readonly recordType: number;
  readonly payload: Uint8Array;
}

/** What a caller appends: the log assigns the position. */
export interface AppendRecord {
  readonly timestampMs: number;
  readonly recordType: number;
  readonly payload: Uint8Array;
}

/**
 * When appended bytes reach the disk:
 * - 'every-append': fsync after every append call (slowest, nothing lost on power failure);
 * - 'manual': only when the caller calls flush() (the caller batches; see the engine's commit policy).
 */
export type FsyncPolicy = 'every-append' | 'manual';

export interface SegmentInfo {
  readonly segmentId: number;
  readonly path: string;
  /** Position of the first record the segment holds (from its header). */
  readonly firstPosition: number;
  /** Position of the last whole record, or firstPosition - 1 when the segment is empty. */
  readonly lastPosition: number;
  /** Bytes of the file that are whole, written records (header included). */
  readonly sizeBytes: number;
  /** Bytes known to be fsynced; a backup copies a segment only up to this length. */
  readonly durableSizeBytes: number;
}

export interface Log {
  /** Position of the first record still held (after compaction), or lastPosition + 1 when empty. */
  readonly firstPosition: number;
  /** Position of the last record, 0 when nothing was ever appended. */
  readonly lastPosition: number;

  /** Appends records in order and returns the position of the last one. */
  append(records: readonly AppendRecord[]): number;
  /** Makes every appended byte durable (fsync of the active segment). */
  flush(): void;
  /** Reads records with position >= fromPosition in order; a sparse index makes the seek cheap. */
  read(fromPosition: number): Iterable<LogRecord>;
  /** The record at a position, or undefined when the log does not hold it. */
  get(position: number): LogRecord | undefined;
  /** Removes every record after position; only the segment holding it is rewritten; what remains is durable on return. */
  truncateAfter(position: number): void;
  /** Deletes whole segments whose records are all below position; never a partial segment. */
  compactBelow(position: number): void;
  /** The segments in order, with their durable length. */
  segments(): readonly SegmentInfo[];
  close(): void;
}
