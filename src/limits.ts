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
  /** An unacknowledged inter-partition command is re-sent after this long. */
  retryIntervalMs: 1_000,
} as const;
/** Largest number of partitions and nodes of an engine. */
export const enginePartitionsMax = 64;
export const engineNodesMax = 64;
