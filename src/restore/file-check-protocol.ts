// The messages between a restore and its file-check worker threads (plain data: they are structured-cloned).
import type { StoredChunkRef } from '../backup/chunk-format.js';
import type { TransferredError } from '../errors.js';
import type { PartitionPlan } from './restore-plan.js';
import type { RestoredPartition } from './restore-partition.js';
import type { SegmentCheck, SegmentCheckContext } from './segment-check.js';

/** What a file check finds: the SHA-256 of the bytes on disk, and for a segment its check. */
export interface FileCheckResult {
  readonly sha256: string;
  readonly segment: SegmentCheck | undefined;
}

export type ToFileCheckWorker =
  /** Start checking the file at path, which will hold sizeBytes bytes; read nothing before an advance says it is written. */
  | {
      readonly kind: 'check';
      readonly job: number;
      readonly path: string;
      readonly sizeBytes: number;
      readonly segment: SegmentCheckContext | undefined;
      /** The thread writes chunks of the file itself (write-chunk), so it opens it for writing too. */
      readonly writes: boolean;
    }
  /** The first `bytes` bytes of the file are written (the count only grows). */
  | { readonly kind: 'advance'; readonly job: number; readonly bytes: number }
  /**
   * Decode a stored chunk (a format v2 file's; its bytes transferred, not copied), check it against its
   * manifest entry and write it at `offset` of the file at path; answer `wrote-chunk` or `write-chunk-failed`.
   * Any thread may write a chunk of any job: the job's own thread also hashes it without reading it back.
   */
  | {
      readonly kind: 'write-chunk';
      readonly request: number;
      readonly job: number;
      readonly path: string;
      readonly offset: number;
      readonly stored: Uint8Array;
      readonly chunk: StoredChunkRef;
      readonly where: string;
    }
  /** Drop a check (its download failed) and close its file. */
  | { readonly kind: 'cancel'; readonly job: number }
  /** Finish a downloaded partition in staging (restore-partition.ts): snapshot check, segments placed, log truncated. */
  | { readonly kind: 'finish-partition'; readonly job: number; readonly stagedData: string; readonly partition: PartitionPlan }
  /** Close every file and end the thread. */
  | { readonly kind: 'shutdown' }
  /** Close every file and forget every job, answer `released`, and wait for the next pool's jobs. */
  | { readonly kind: 'release' };

export type FromFileCheckWorker =
  | { readonly kind: 'checked'; readonly job: number; readonly result: FileCheckResult }
  | { readonly kind: 'finished-partition'; readonly job: number; readonly restored: RestoredPartition }
  | { readonly kind: 'failed'; readonly job: number; readonly error: TransferredError };

/** The answers to write-chunk. */
export type ChunkWriteAnswer =
  | { readonly kind: 'wrote-chunk'; readonly request: number }
  | { readonly kind: 'write-chunk-failed'; readonly request: number; readonly error: TransferredError };

/** The answer to `release`: the thread holds no file and no job. */
export interface ReleasedMessage {
  readonly kind: 'released';
}
