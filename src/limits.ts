// Every limit cutline enforces, in one place, named with the qualifier last (see STYLE.md).

/** Largest payload of one log record. */
export const recordPayloadBytesMax = 4 * 1024 * 1024;
/** Default size at which the writer rolls to a new segment. */
export const segmentBytesDefault = 64 * 1024 * 1024;
/** Smallest and largest configurable segment size. */
export const segmentBytesMin = 4 * 1024;
export const segmentBytesMax = 1024 * 1024 * 1024;

// Built-in TLA+ model checker (src/tla/builtin).
/** Largest set the TLA+ evaluator enumerates (SUBSET, [S -> T], products, intervals). */
export const tlaEnumerationSizeMax = 5_000_000;
/** Most distinct states the built-in checker explores before it stops with LIMIT_EXCEEDED. */
export const tlaDistinctStatesMax = 20_000_000;
