// Every limit cutline enforces, in one place, named with the qualifier last (see STYLE.md).

/** Largest payload of one log record. */
export const recordPayloadBytesMax = 4 * 1024 * 1024;
/** Default size at which the writer rolls to a new segment. */
export const segmentBytesDefault = 64 * 1024 * 1024;
/** Smallest and largest configurable segment size. */
export const segmentBytesMin = 4 * 1024;
export const segmentBytesMax = 1024 * 1024 * 1024;

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
