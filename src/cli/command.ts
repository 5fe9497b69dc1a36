// The shape of one CLI command module and the shared failure path that maps errors to exit codes.
import type { CommandModule } from 'yargs';
import { isCutlineError } from '../errors.js';
import { AssertionError } from '../assert.js';
import { errorCodes } from '../error-codes.js';

// yargs' own generics make every module's argument type differ; the registry only needs the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

/**
 * Prints an error the way an operator at 3 a.m. wants it: code, message, hint; returns the exit code.
 * The stack trace only with --verbose (`verbose`): it helps whoever fixes cutline, not the operator.
 */
export function reportError(error: unknown, write: (line: string) => void = (line) => process.stderr.write(line), verbose = false): number {
  const stack = verbose && error instanceof Error && error.stack !== undefined ? `${error.stack}\n` : '';
  if (isCutlineError(error)) {
    write(`error [${error.code}]: ${error.message}\n`);
    if (error.hint !== undefined) write(`hint: ${error.hint}\n`);
    write(stack);
    return error.exitCode;
  }
  // An assertion is a bug; so is any other error without a code (a failure cutline does not map yet).
  const what = error instanceof AssertionError ? error.message : `unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  write(`error [INTERNAL]: ${what}\n`);
  write(`hint: A bug in cutline: please report it${verbose ? ', with the stack trace below' : ', with the stack trace --verbose prints'}.\n`);
  write(stack);
  return errorCodes.INTERNAL.exitCode;
}
