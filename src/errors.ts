// The base error of cutline's operating errors, and the table of stable codes each maps to.
import { errorCodes, type ErrorCode } from './error-codes.js';

export interface CutlineErrorOptions {
  readonly cause?: unknown;
  /** What the operator can do about it, in one sentence. */
  readonly hint?: string;
}

/**
 * An operating error (bad input, a broken backup, a store that does not answer).
 * Programmer errors are assertions (see assert.ts), not CutlineErrors.
 */
export class CutlineError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CutlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CutlineError';
    this.code = code;
    this.hint = options.hint;
  }

  /** The process exit code the CLI uses for this error. */
  get exitCode(): number {
    return errorCodes[this.code].exitCode;
  }
}

export function isCutlineError(error: unknown): error is CutlineError {
  return error instanceof CutlineError;
}
