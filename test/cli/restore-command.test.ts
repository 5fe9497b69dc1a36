// `cutline restore` through the CLI entry point: dry run, JSON, the config file, the summary, and errors with exit codes.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { lstat, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { produceEngineBackup } from '../restore/engine-backup.js';

const directory = temporaryDirectories('restore-cli');
let storeDirectory: string;

beforeAll(async () => {
  storeDirectory = await directory();
  await produceEngineBackup(new FileSystemBackupStore(storeDirectory), { seed: 41, partitionCount: 2, instances: 20 });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const run = runCli;

describe('cutline restore', () => {
  it('prints the plan as JSON on --dry-run --json and changes nothing', async () => {
    const target = join(await directory(), 'data');
    const { code, stdout } = await run([
      'restore',
      '--backupId',
      '1',
      '--store',
      storeDirectory,
      '--data-dir',
      target,
      '--dry-run',
      '--json',
    ]);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { plan: { partitions: { partitionId: number; cut: { position: number } }[] } };
    expect(printed.plan.partitions.map((p) => p.partitionId)).toEqual([1, 2]);
    const text = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', target, '--dry-run']);
    expect(text.stdout).toMatch(/^restore of backup 1 for node 0 of 1 \(2 partitions, engine 0\.1\.0\)/);
    expect(text.stdout).toContain('-> partitions/1/incoming-segments/');
  });

  it('restores with settings from a config file and the environment, and says so', async () => {
    const target = join(await directory(), 'data');
    const config = join(await directory(), 'restore.json');
    await writeFile(config, JSON.stringify({ 'data-dir': target, parallelism: 2 }));
    vi.stubEnv('CUTLINE_STORE', storeDirectory);
    const { code, stdout, stderr } = await run(['restore', '--backupId', '1', '--config', config]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/partition 1: snapshot \d+-\d+, log \d+\.\.\d+ \(checkpoint record at \d+; \d+ later records removed\)/);
    expect(stdout).toMatch(/Successfully restored backup 1 \(node 0 of 1, partitions 1, 2\) into /);
    const again = await run(['restore', '--backupId', '1', '--config', config, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'already-restored', message: 'Successfully restored' });
  });

  it('plans and runs a point-in-time restore with --to and --to-checkpoint, refusing bad or conflicting targets', async () => {
    const target = join(await directory(), 'data');
    const planned = await run([
      'restore',
      '--to',
      '2100-01-01T00:00:00Z',
      '--store',
      storeDirectory,
      '--data-dir',
      target,
      '--dry-run',
      '--json',
    ]);
    expect(planned.code).toBe(0);
    const printed = JSON.parse(planned.stdout) as { plan: { target: { kind: string; backupId: number; toTimeMs: number | null } } };
    expect(printed.plan.target).toMatchObject({ kind: 'pointInTime', backupId: 1, toTimeMs: Date.parse('2100-01-01T00:00:00Z') });
    const restored = await run(['restore', '--to-checkpoint', '1', '--store', storeDirectory, '--data-dir', target]);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toMatch(/Successfully restored checkpoint 1 \(\d{4}-.*Z\) \(node 0 of 1, partitions 1, 2\) into /);
    const badTime = await run(['restore', '--to', '2026-11-21 03:00', '--store', storeDirectory, '--data-dir', join(target, 'x')]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain(
      'error [USAGE]: --to must be an ISO 8601 time with a zone, such as 2026-11-21T03:00:00Z, got "2026-11-21 03:00"',
    );
    expect(badTime.stderr).toContain(
      'hint: Add the zone to the time: 2026-12-04T10:00:00Z for UTC, or an offset such as 2026-12-04T10:00:00+01:00.',
    );
    const zoneless = await run(['restore', '--to', '2026-12-04T10:00:00', '--store', storeDirectory, '--data-dir', join(target, 'x')]);
    expect(zoneless.code).toBe(2);
    expect(zoneless.stderr).toContain('error [USAGE]: --to must be an ISO 8601 time with a zone');
    expect(zoneless.stderr).toContain(
      'hint: Add the zone to the time: 2026-12-04T10:00:00Z for UTC, or an offset such as 2026-12-04T10:00:00+01:00.',
    );
    const early = await run(['restore', '--to', '2000-01-01T00:00:00Z', '--store', storeDirectory, '--data-dir', join(target, 'x')]);
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('error [RESTORE_POINT_NOT_FOUND]: no checkpoint is at or before 2000-01-01T00:00:00.000Z');
    const both = await run([
      'restore',
      '--backupId',
      '1',
      '--to-checkpoint',
      '1',
      '--store',
      storeDirectory,
      '--data-dir',
      join(target, 'x'),
    ]);
    expect(both.code).toBe(2);
    const none = await run(['restore', '--store', storeDirectory, '--data-dir', join(target, 'x')]);
    expect(none.stderr).toContain('error [USAGE]: no restore target is given');
  });

  it('follows a data directory that is a symbolic link once, says where the data goes, and refuses a link to nothing', async () => {
    const real = await realpath(await directory());
    const link = join(await directory(), 'data-link');
    await symlink(real, link);
    const planned = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', link, '--dry-run', '--json']);
    expect(JSON.parse(planned.stdout)).toMatchObject({ dataDirectory: real, dataDirectoryAsGiven: link });
    const { code, stdout, stderr } = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', link]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`data directory ${link} is a symbolic link (or lies under one): restoring into ${real}`);
    expect(stdout).toMatch(new RegExp(`Successfully restored backup 1 .* into ${real}\n$`));
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await readdir(real)).sort()).toEqual(['.cutline-restore.json', 'engine.json', 'partitions']);
    // --quiet keeps the summary (the result) and drops the note.
    const quiet = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', link, '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain('symbolic link');
    expect(quiet.stdout).toMatch(/^Backup 1 was already restored into /);
    const dangling = join(await directory(), 'dangling');
    await symlink(join(real, 'missing'), dangling);
    const refused = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', dangling]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `error [RESTORE_TARGET_UNWRITABLE]: the data directory ${dangling} is a symbolic link to ${join(real, 'missing')}, which does not exist`,
    );
    expect(await readdir(real)).not.toContain('missing');
  });

  it('prints the error code and hint and exits with its status', async () => {
    const target = await directory();
    await writeFile(join(target, 'state.db'), 'old');
    const notEmpty = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', target]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toMatch(/^error \[RESTORE_TARGET_NOT_EMPTY\]: the data directory .* is not empty: it holds state\.db\nhint: /);
    const missing = await run(['restore', '--backupId', '7', '--store', storeDirectory, '--data-dir', join(target, 'x')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error [BACKUP_NOT_FOUND]');
    const noDirectory = await run(['restore', '--backupId', '1', '--store', storeDirectory]);
    expect(noDirectory.stderr).toContain('error [USAGE]: no data directory is given');
    // An empty value would otherwise resolve to the current directory.
    for (const empty of ['', ' ']) {
      const emptyDirectory = await run(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', empty]);
      expect(emptyDirectory.code).toBe(2);
      expect(emptyDirectory.stderr).toContain(`error [USAGE]: --data-dir is empty (${JSON.stringify(empty)})`);
    }
  });
});
