// Restore onto a read-only filesystem: a stable code and exit status, no stack trace, and the target as found.
import { describe, expect, it, vi } from 'vitest';
import { constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectory } from '../../fixtures/generate.js';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { entriesOf } from './restore-helpers.js';

// A read-only mount cannot be made here (no privileges), so the file system calls behave as on one for
// paths under `readOnly.root`: access(W_OK) fails with EROFS, and a recursive mkdir fails with ENOENT,
// as Node reports it on a read-only mount (it stats the directory it could not create).
const readOnly = vi.hoisted(() => ({ root: undefined as string | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const refused = (path: unknown): boolean => readOnly.root !== undefined && String(path).startsWith(readOnly.root);
  const failure = (code: string, text: string, syscall: string, path: unknown): Error =>
    Object.assign(new Error(`${code}: ${text}, ${syscall} '${String(path)}'`), { code, syscall, path: String(path) });
  return {
    ...actual,
    access: (path: Parameters<typeof actual.access>[0], mode?: number) =>
      refused(path) && ((mode ?? 0) & constants.W_OK) !== 0
        ? Promise.reject(failure('EROFS', 'read-only file system', 'access', path))
        : actual.access(path, mode),
    mkdir: (path: Parameters<typeof actual.mkdir>[0], options?: Parameters<typeof actual.mkdir>[1]) =>
      refused(path) ? Promise.reject(failure('ENOENT', 'no such file or directory', 'mkdir', path)) : actual.mkdir(path, options),
  };
});

const directory = temporaryDirectories('restore-read-only');

describe('restore onto a read-only filesystem', () => {
  it('fails with RESTORE_TARGET_UNWRITABLE (exit 3) naming the cause, without a stack trace, and writes nothing', async () => {
    const mountPoint = await directory();
    const existing = join(mountPoint, 'data');
    await mkdir(join(existing, 'lost+found'), { recursive: true });
    readOnly.root = mountPoint;
    try {
      for (const target of [existing, join(mountPoint, 'absent')]) {
        const run = await runCli(['restore', '--backupId', '1', '--store', goldenDirectory, '--data-dir', target]);
        expect(run.code, run.stderr).toBe(3);
        expect(run.stderr).toMatch(new RegExp(`^error \\[RESTORE_TARGET_UNWRITABLE\\]: cannot write the data directory ${target}: `));
        expect(run.stderr).not.toMatch(/^\s+at /m);
        expect(run.stdout).not.toContain('Successfully restored');
      }
      expect(await entriesOf(existing)).toEqual(['lost+found']);
      expect(await entriesOf(mountPoint)).toEqual(['data']);
    } finally {
      readOnly.root = undefined;
    }
  });
});
