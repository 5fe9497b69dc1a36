// The CLI's shared behaviour: help lists commands, bad input is a USAGE error with exit code 2.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { errorCodes } from '../src/error-codes.js';
import { reportError } from '../src/cli/command.js';
import { AssertionError } from '../src/assert.js';
import { runCli } from './support/run-cli.js';

describe('error codes', () => {
  it('are all documented in the README with their exit code', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(readme, `README row for ${code}`).toMatch(new RegExp(`\\| ${code} \\| ${info.exitCode} \\|`));
    }
  });
});

describe('reportError', () => {
  it('reports an error without a code, or an assertion, as INTERNAL (exit 70) with the stack trace only when verbose', () => {
    for (const error of [Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }), new AssertionError('assertion failed: x')]) {
      const quiet: string[] = [];
      expect(reportError(error, (line) => void quiet.push(line))).toBe(70);
      expect(quiet.join('')).toMatch(/^error \[INTERNAL\]: .+\nhint: A bug in cutline: please report it, with the stack trace --verbose prints\.\n$/);
      const verbose: string[] = [];
      expect(reportError(error, (line) => void verbose.push(line), true)).toBe(70);
      expect(verbose.join('')).toMatch(/^\s+at /m);
    }
  });

  it('takes --verbose on every command, printing the stack trace of a coded error too', async () => {
    const quiet = await runCli(['verify-backup', '--store', '/nonexistent/cutline-store', '--latest']);
    expect(quiet.stderr).not.toMatch(/^\s+at /m);
    const verbose = await runCli(['verify-backup', '--store', '/nonexistent/cutline-store', '--latest', '--verbose']);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/^error \[USAGE\]: --store \/nonexistent\/cutline-store is not a directory\n/);
    expect(verbose.stderr).toMatch(/^\s+at /m);
  });
});
