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
  // Built-in TLA+ model checker (src/tla/builtin).
  TLA_SYNTAX: { exitCode: 2, description: 'A TLA+ module does not parse, or names an undefined operator or uses it with the wrong arity.' },
  TLA_CONFIG: { exitCode: 2, description: 'A TLC .cfg file is malformed or names something the module does not define.' },
  TLA_UNSUPPORTED: { exitCode: 2, description: 'The TLA+ module uses a construct the built-in checker does not support.' },
  TLA_EVAL: { exitCode: 3, description: 'Evaluating the TLA+ model failed (a type error, CHOOSE with no witness, Assert, ...).' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;
