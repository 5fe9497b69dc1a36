// The CLI's shared behaviour: help lists commands, bad input is a USAGE error with exit code 2.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorCodes } from '../src/error-codes.js';
import { reportError } from '../src/cli/command.js';
import { AssertionError } from '../src/assert.js';
import { runCli } from './support/run-cli.js';

describe('error codes', () => {
  it('are all documented in docs/errors.md with their exit code', () => {
    const errorsPage = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(errorsPage, `docs/errors.md row for ${code}`).toMatch(new RegExp(`\\| ${code} \\| ${info.exitCode} \\|`));
    }
  });
});

describe('reportError', () => {
  it('reports an error without a code, or an assertion, as INTERNAL (exit 70) with the stack trace only when verbose', () => {
    for (const error of [Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }), new AssertionError('assertion failed: x')]) {
      const quiet: string[] = [];
      expect(reportError(error, (line) => void quiet.push(line))).toBe(70);
      expect(quiet.join('')).toMatch(
        /^error \[INTERNAL\]: .+\nhint: A bug in cutline: please report it, with the stack trace --verbose prints\.\n$/,
      );
      const verbose: string[] = [];
      expect(reportError(error, (line) => void verbose.push(line), { verbose: true })).toBe(70);
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

  it('prints a shell completion script that completes its commands', () => {
    // yargs prints completions with console.log: run the real CLI in a process of its own.
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url)), ...args], {
        encoding: 'utf8',
      });
    const script = cli(['completion']);
    expect(script.status).toBe(0);
    expect(script.stdout).toContain('###-begin-cutline-completions-###');
    // The script calls back `cutline --get-yargs-completions <words>`, which lists the commands.
    const words = cli(['--get-yargs-completions', 'cutline', '']);
    expect(words.stdout.split('\n')).toEqual(expect.arrayContaining(['restore', 'verify-backup', 'backup', 'model-check']));
  }, 60_000);
});
