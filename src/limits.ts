// Every limit cutline enforces, in one place, named with the qualifier last (see STYLE.md).

/** Largest payload of one log record. */
export const recordPayloadBytesMax = 4 * 1024 * 1024;
/** Default size at which the writer rolls to a new segment. */
export const segmentBytesDefault = 64 * 1024 * 1024;
/** Smallest and largest configurable segment size. */
export const segmentBytesMin = 4 * 1024;
export const segmentBytesMax = 1024 * 1024 * 1024;

// Engine (src/engine): defaults of the commit, snapshot and retry policies.
export const engineDefaults = {
  /** Commit policy: records processed per SQLite transaction (and per log flush). */
  recordsPerTransaction: 100,
  /** Records processed between automatic snapshots. */
  snapshotIntervalRecords: 10_000,
  /**
   * A backup checkpoint that would lie more than this many records after the newest snapshot is preceded
   * by a fresh one (of the state processed so far), so that an engine started on a restore replays at most
   * this many records, or the records still unprocessed when the checkpoint was appended if more, whatever
   * the snapshot interval. 0 turns it off.
   */
  backupSnapshotLagRecordsMax: 10_000,
  /** An unacknowledged inter-partition command is re-sent after this long. */
  retryIntervalMs: 1_000,
} as const;
/**
 * `cutline engine start` stops on a signal by delivering and processing what is in flight (no new workload, triggers
 * or backups) for at most this long, so that every command sent was received and acknowledged when it closes.
 */
export const engineStopDrainMsMax = 5_000;
/** Largest number of partitions and nodes of an engine. */
export const enginePartitionsMax = 64;
export const engineNodesMax = 64;
// Backup store, manifests and archives (src/store, src/backup).
/** Longest object key, in bytes, after the store's prefix is added (S3's own limit). */
export const storeKeyBytesMax = 1024;
/** Largest total size of one object's user metadata (names and values), as S3 allows. */
export const storeMetadataBytesMax = 2 * 1024;
/** Keys one list request asks for; S3 answers at most 1000. */
export const storeListPageKeysMax = 1000;
/** Attempts of one store request (the first try included) before STORE_UNAVAILABLE. */
export const storeRequestAttemptsMax = 5;
/** Backoff before a retry: exponential from the base, capped, with full jitter. */
export const storeRetryDelayBaseMs = 100;
export const storeRetryDelayMaxMs = 10_000;
/** Bodies up to this size go to S3 in one streaming PUT; larger ones as a multipart upload. */
export const storeSinglePutBytesMax = 64 * 1024 * 1024;
/**
 * Read size of the filesystem store's object streams: 1 MiB reads took less than half the CPU time of
 * Node's default 64 KiB for the same 1 GiB of segments, and a restore writes in 1 MiB pieces anyway.
 */
export const storeReadChunkBytes = 1024 * 1024;
/**
 * Objects up to this size are read by the filesystem store in one piece: every stored chunk of a chunked backup (at
 * most chunkBytesMax of data, plus its header and any codec overhead, far below 64 KiB).
 */
export const storeWholeReadBytesMax = 4 * 1024 * 1024 + 64 * 1024;
/** Part size of multipart uploads (each part is buffered, so the SDK can re-send it). */
export const storeMultipartPartBytes = 16 * 1024 * 1024;
/** Parts of one multipart upload in flight at once (memory is this times the part size). */
export const storeMultipartQueueMax = 4;
/** Largest body a create-only put accepts (manifests are small; S3 makes a single PUT of it). */
export const storeCreateOnlyBytesMax = 8 * 1024 * 1024;
/** Largest manifest document, and most files one manifest lists. */
export const manifestBytesMax = 16 * 1024 * 1024;
/** Largest partition metadata.json. */
export const partitionMetadataBytesMax = 4 * 1024 * 1024;
export const manifestFilesMax = 100_000;
/** Largest single file in a backup archive, and most entries one archive holds. */
export const archiveEntryBytesMax = 64 * 1024 * 1024 * 1024;
export const archiveEntriesMax = 1_000_000;
/**
 * An imported entry up to this size is kept in memory until the store has it (so a retried put can
 * send it again); a larger one is spooled to a temporary file.
 */
export const archiveImportBufferBytesMax = 8 * 1024 * 1024;
/** Most partitions one backup may name. */
export const backupPartitionsMax = 4096;
/** Store format v2: the largest chunk (uncompressed), and most chunks one file of a manifest lists. */
export const chunkBytesMax = 4 * 1024 * 1024;
export const fileChunksMax = 65_536;
/** New log bytes are cut into chunks of at most this many bytes (a backup's end always ends a chunk too). */
export const segmentChunkBytes = 4 * 1024 * 1024;
/** Snapshot files are cut at fixed offsets, multiples of this (page-aligned for SQLite), doubled until a file has at most snapshotFileChunksMax. */
export const snapshotChunkBytesMin = 64 * 1024;
export const snapshotFileChunksMax = 4096;
/** A chunk collection holds its record at most this long; a record older than twice this is stale (FORMAT.md, "Chunk collection"). */
export const chunkCollectionLeaseMs = 10 * 60_000;
/** How long a backup waits for a collection that condemns a chunk it reuses before it fails (CHUNK_COLLECTION_BUSY). */
export const chunkCollectionWaitMsMax = 120_000;
// End of backup store block.
// --- model checking (spec) ---
/** Largest tla2tools.jar `cutline model-check --install-tlc` accepts (the 1.7.4 jar is about 2.3 MB). */
export const tlcJarBytesMax = 64 * 1024 * 1024;
/** How long one TLC run may take before cutline stops it. */
export const tlcRunTimeoutMsDefault = 10 * 60 * 1000;
/** The most TLC output cutline keeps in memory for one run; a longer transcript is cut at the front. */
export const tlcOutputBytesMax = 32 * 1024 * 1024;

// Built-in TLA+ model checker (src/tla/builtin).
/** Largest set the TLA+ evaluator enumerates (SUBSET, [S -> T], products, intervals). */
export const tlaEnumerationSizeMax = 5_000_000;
/** Most distinct states the built-in checker explores before it stops with LIMIT_EXCEEDED. */
export const tlaDistinctStatesMax = 20_000_000;
// Backup manager and management API (src/backup/backup-manager.ts, src/api).
/** Files of backups uploaded at once by one engine process (across all partitions). */
export const backupUploadParallelismMax = 4;
/** Manifests read at once when a whole store's manifests are listed (GET /backups, `cutline backup list`). */
export const manifestReadParallelism = 16;
/**
 * After a reconcile fails at start (the store is down), the manager retries it in the background after
 * this delay, doubling up to backupReconcileRetryMsMax, until it succeeds or the manager stops.
 */
export const backupReconcileRetryMs = 5_000;
export const backupReconcileRetryMsMax = 5 * 60_000;
/** Largest request body the management API reads. */
export const apiRequestBytesMax = 64 * 1024;
/**
 * After the store work of the backup services (retention, metadata.json) fails, the engine's ticks skip
 * it for this long, doubling up to backupServicesRetryMsMax, until it succeeds again.
 */
export const backupServicesRetryMs = 1_000;
export const backupServicesRetryMsMax = 60_000;
/** A failure that keeps repeating is logged when it starts, then at most once per this interval (with a count). */
export const failureReportIntervalMs = 60_000;
// End of backup manager block.
// verify-backup (src/verify).
/** Files of one partition backup checked (HEAD, hashed or downloaded) at once. */
export const verifyFileParallelism = 4;
/** Partitions of one backup checked at once (each with its own file parallelism). */
export const verifyPartitionParallelism = 2;
// End of verify-backup block.
// Restore (src/restore).
/** Downloads in flight at once during a restore (files or ranges of a file): the default and the largest allowed. */
export const restoreParallelismDefault = 8;
export const restoreParallelismMax = 64;
/** Objects larger than this are fetched as several ranged GETs in parallel instead of one GET. */
export const restoreRangedGetBytesMin = 16 * 1024 * 1024;
/** Size of one ranged GET; each is written to disk as it streams in, so it is not held in memory. */
export const restoreRangeBytes = 8 * 1024 * 1024;
/** Most worker threads that hash and check restored files (the default is one per core, up to this). */
export const restoreCheckThreadsMax = 8;
/** Most files one restore downloads (every partition together). */
export const restoreFilesMax = 1_000_000;
// End of restore block.
// Continuous backups, checkpoint scheduler and retention (src/protocol/backup-config.ts, src/cli/backup-config-sources.ts, checkpoint-scheduler.ts).
/** Shortest and longest configurable checkpoint interval, backup schedule, retention window and cleanup schedule. */
export const backupDurationMsMin = 1_000;
export const backupDurationMsMax = 3_650 * 86_400_000;
/** A backup due at most this long after a due marker is taken instead of the marker (capped at half the interval). */
export const schedulerMergeWindowMs = 5_000;
// End of continuous backups block.

// Trace validation (src/tla/trace).
/** Longest line of a protocol trace file (one event); a longer one is malformed input, not an event. */
export const traceLineBytesMax = 64 * 1024;
/** Most spec states consistent with a trace prefix; the engine's traces keep this at one or two. */
export const traceFrontierStatesMax = 100_000;
