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

/** An error as plain data, to cross from a worker thread (structured clone keeps neither the class nor the hint). */
export interface TransferredError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly hint: string | undefined;
  readonly stack: string | undefined;
}

export function transferError(error: unknown): TransferredError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), code: undefined, hint: undefined, stack: undefined };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    code: typeof code === 'string' ? code : undefined,
    hint: isCutlineError(error) ? error.hint : undefined,
    stack: error.stack,
  };
}

/** The error again: a CutlineError with its code and hint, or an Error keeping the name, code (an errno's) and stack. */
export function receiveError(transferred: TransferredError): Error {
  if (transferred.name === 'CutlineError' && transferred.code !== undefined && transferred.code in errorCodes) {
    return new CutlineError(
      transferred.code as ErrorCode,
      transferred.message,
      transferred.hint === undefined ? {} : { hint: transferred.hint },
    );
  }
  const error = Object.assign(new Error(transferred.message), transferred.code === undefined ? {} : { code: transferred.code });
  error.name = transferred.name;
  if (transferred.stack !== undefined) error.stack = transferred.stack;
  return error;
}
