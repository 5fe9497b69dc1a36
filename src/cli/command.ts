// The shape of one CLI command module and the shared failure path that maps errors to exit codes.
import type { CommandModule } from 'yargs';
import { isCutlineError } from '../errors.js';
import { AssertionError } from '../assert.js';
import { errorCodes } from '../error-codes.js';

// yargs' own generics make every module's argument type differ; the registry only needs the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

/** How an error is printed: text lines for a person, or one JSON object for a program (under --json). */
export interface ReportOptions {
  readonly verbose?: boolean;
  readonly json?: boolean;
}

/**
 * Prints an error the way an operator at 3 a.m. wants it: code, message, hint; returns the exit code.
 * The stack trace only with --verbose: it helps whoever fixes cutline, not the operator. Under --json the
 * error is one JSON object on one line, `{"code", "message", "hint", "exitCode"}` (and `stack` when verbose).
 */
export function reportError(
  error: unknown,
  write: (line: string) => void = (line) => process.stderr.write(line),
  options: ReportOptions = {},
): number {
  const described = describeError(error, options.verbose ?? false);
  if (options.json === true) {
    const stack = options.verbose === true && error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {};
    write(
      `${JSON.stringify({ code: described.code, message: described.message, hint: described.hint ?? null, exitCode: described.exitCode, ...stack })}\n`,
    );
    return described.exitCode;
  }
  write(`error [${described.code}]: ${described.message}\n`);
  if (described.hint !== undefined) write(`hint: ${described.hint}\n`);
  if (options.verbose === true && error instanceof Error && error.stack !== undefined) write(`${error.stack}\n`);
  return described.exitCode;
}

function describeError(error: unknown, verbose: boolean): { code: string; message: string; hint: string | undefined; exitCode: number } {
  if (isCutlineError(error)) return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode };
  // An assertion is a bug; so is any other error without a code (a failure cutline does not map yet).
  const message =
    error instanceof AssertionError
      ? error.message
      : `unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  const hint = `A bug in cutline: please report it${verbose ? ', with the stack trace below' : ', with the stack trace --verbose prints'}.`;
  return { code: 'INTERNAL', message, hint, exitCode: errorCodes.INTERNAL.exitCode };
}
