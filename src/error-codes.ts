// Every stable error code cutline reports, with the CLI exit code it maps to.
// The README's error table is checked against this list by a test: add a row there too.

export interface ErrorCodeInfo {
  readonly exitCode: number;
  readonly description: string;
}

/** Exit codes: 0 success, 1 findings (verify-backup), 2 usage or unreadable input, 3 operation failed. */
export const errorCodes = {
  USAGE: { exitCode: 2, description: 'The command line or configuration is wrong.' },
  INTERNAL: { exitCode: 70, description: 'An assertion failed: a bug in cutline. Please report it.' },
  LIMIT_EXCEEDED: { exitCode: 2, description: 'An input exceeds one of the limits in src/limits.ts.' },
  LOG_CORRUPT: { exitCode: 3, description: 'A log segment has a CRC mismatch or malformed frame before its tail.' },
  LOG_POSITION: { exitCode: 3, description: 'A log position is out of range or not strictly increasing.' },
  LOG_FORMAT: { exitCode: 3, description: 'A segment header has a wrong magic or an unknown format version.' },
  LOG_IO: { exitCode: 3, description: 'A log file operation failed; the log refuses writes until it is reopened.' },
  // Engine (src/engine): records, snapshots, recovery.
  RECORD_MALFORMED: { exitCode: 3, description: 'An engine record has an unknown type or a payload that is not a JSON object.' },
  SNAPSHOT_CORRUPT: { exitCode: 3, description: 'A snapshot directory is incomplete or its SHA-256 checksums do not match.' },
  ENGINE_RECOVERY: { exitCode: 3, description: 'A partition cannot rebuild its state: no valid snapshot covers the start of its log.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;
