// The shape of one CLI command module and the shared failure path that maps errors to exit codes.
import type { CommandModule } from 'yargs';
import { isCutlineError } from '../errors.js';
import { AssertionError } from '../assert.js';

// yargs' own generics make every module's argument type differ; the registry only needs the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

/** Prints an error the way an operator at 3 a.m. wants it: code, message, hint; returns the exit code. */
export function reportError(error: unknown, write: (line: string) => void = (line) => process.stderr.write(line)): number {
  if (isCutlineError(error)) {
    write(`error [${error.code}]: ${error.message}\n`);
    if (error.hint !== undefined) write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  if (error instanceof AssertionError) {
    write(`internal error (please report): ${error.message}\n${error.stack ?? ''}\n`);
    return 70;
  }
  write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 3;
}
