// Every limit cutline enforces, in one place, named with the qualifier last (see STYLE.md).

/** Largest payload of one log record. */
export const recordPayloadBytesMax = 4 * 1024 * 1024;
/** Default size at which the writer rolls to a new segment. */
export const segmentBytesDefault = 64 * 1024 * 1024;
/** Smallest and largest configurable segment size. */
export const segmentBytesMin = 4 * 1024;
export const segmentBytesMax = 1024 * 1024 * 1024;
