// verify-backup on the golden backup (clean at every level) and on every broken fixture (its expected code, exit 1).
import { describe, expect, it } from 'vitest';
import { goldenDirectory, goldenV2Directory, goldenV3Directory } from '../../fixtures/generate.js';
import { fixtureBackupId } from '../../fixtures/broken-fixtures.js';
import { verifyLevels } from '../../src/verify/findings.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { cp, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { createManifest, readManifest } from '../../src/backup/manifest-store.js';
import { newManifest } from '../../src/backup/manifest.js';
import { ManualClock } from '../../src/clock.js';
import { brokenCopy, codesOf, everyBrokenFixture, runCli } from './verify-support.js';

const newDirectory = temporaryDirectories('verify');

describe('verify-backup on the golden backup', () => {
  it.each(verifyLevels)('is clean at --level %s (exit 0, no finding lines)', async (level) => {
    const run = await runCli(['verify-backup', '--store', goldenDirectory, '--backupId', '1', '--level', level]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('backup 1: 3 partitions');
    expect(run.stdout).toContain('no findings');
  });

  it('selects backup 1 with --latest and --all', async () => {
    for (const selection of ['--latest', '--all']) {
      const run = await runCli(['verify-backup', '--store', goldenDirectory, selection, '--format', 'json']);
      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as { backups: { backupId: number }[] }).backups.map((backup) => backup.backupId)).toEqual([1]);
    }
  });
});

describe.each([
  ['v2', goldenV2Directory],
  ['v3', goldenV3Directory],
])('verify-backup on the golden %s backups', (_format, store) => {
  it.each(verifyLevels)('are clean at --level %s, each backup and --all (exit 0, no finding lines)', async (level) => {
    for (const backupId of ['1', '2']) {
      const run = await runCli(['verify-backup', '--store', store, '--backupId', backupId, '--level', level]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`backup ${backupId}: 3 partitions`);
      expect(run.stdout).toContain('no findings');
    }
    const all = await runCli(['verify-backup', '--store', store, '--all', '--level', level, '--format', 'json']);
    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as { backups: { backupId: number }[] }).backups.map((backup) => backup.backupId)).toEqual([1, 2]);
    expect(codesOf(all.stdout)).toEqual([]);
  });
});

describe('backup selection', () => {
  it('--latest and --all pass over a backup still IN_PROGRESS; --backupId reports it', async () => {
    const store = await newDirectory();
    await cp(goldenDirectory, store, { recursive: true });
    const backups = new FileSystemBackupStore(store);
    const golden = await readManifest(backups, { partitionId: 1, checkpointId: 1, nodeId: 0 });
    await createManifest(backups, newManifest({ partitionId: 1, checkpointId: 2, nodeId: 0 }, golden.descriptor, new ManualClock(0)));
    for (const selection of ['--latest', '--all']) {
      const run = await runCli(['verify-backup', '--store', store, selection, '--level', 'presence', '--format', 'json']);
      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as { backups: { backupId: number }[] }).backups.map((backup) => backup.backupId)).toEqual([1]);
    }
    const run = await runCli(['verify-backup', '--store', store, '--backupId', '2', '--level', 'presence']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'PARTITION_NOT_COMPLETED backup=2 partition=1 partition 1 has no COMPLETED backup 2: manifests/1/2/0/manifest.json is IN_PROGRESS',
    );
    expect(run.stdout).toContain('PARTITION_MISSING backup=2 partition=2 partition 2 of 3 has no manifest for backup 2');
  });
});

describe('verify-backup on every broken fixture', () => {
  it.each(everyBrokenFixture.map((fixture) => [fixture.name, fixture] as const))(
    '%s: reports its code from its level on (exit 1)',
    async (_name, fixture) => {
      const store = await brokenCopy(fixture, await newDirectory());
      const backupId = String(fixtureBackupId(fixture));
      const levels = verifyLevels.slice(verifyLevels.indexOf(fixture.level));
      for (const level of levels) {
        const run = await runCli(['verify-backup', '--store', store, '--backupId', backupId, '--level', level, '--format', 'json']);
        expect(run.code, `${fixture.name} at ${level}: ${run.stdout}${run.stderr}`).toBe(1);
        expect(codesOf(run.stdout)).toContain(fixture.expectedCode);
      }
      const text = await runCli(['verify-backup', '--store', store, '--backupId', backupId, '--level', fixture.level]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(new RegExp(`^${fixture.expectedCode} backup=${backupId} partition=\\d+ `, 'm'));
    },
  );

  it('finds the damage the cheaper levels cannot see only at the level that looks', async () => {
    const directory = await newDirectory();
    for (const fixture of everyBrokenFixture.filter((entry) => entry.level !== 'presence')) {
      const store = await brokenCopy(fixture, directory);
      const run = await runCli(['verify-backup', '--store', store, '--backupId', String(fixtureBackupId(fixture)), '--level', 'presence']);
      expect(run.code, `${fixture.name} at presence`).toBe(0);
    }
  });
});

describe('segment object names', () => {
  it('reports a segment object named for another position than its header holds (LOG_POSITION)', async () => {
    const store = await newDirectory();
    await cp(goldenDirectory, store, { recursive: true });
    const [from, to] = ['segments/00000000000000000034.log', 'segments/00000000000000000035.log'];
    await rename(join(store, 'contents/2/1/0', from), join(store, 'contents/2/1/0', to));
    const manifestPath = join(store, 'manifests/2/1/0/manifest.json');
    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace(from, to));
    const run = await runCli(['verify-backup', '--store', store, '--latest']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `LOG_POSITION backup=1 partition=2 path=contents/2/1/0/${to} contents/2/1/0/${to} is named for position 35, but its header says it starts at position 34`,
    );
  });
});

describe('verify-backup --ranges on a store without a COMPLETED backup', () => {
  it('reports nothing restorable as a finding (exit 1), as text and as JSON', async () => {
    const store = await newDirectory();
    const text = await runCli(['verify-backup', '--store', store, '--ranges']);
    expect(text).toMatchObject({ code: 1, stderr: '' });
    expect(text.stdout).toBe('no COMPLETED backup in the store\nrestorable window: none (no checkpoint is reachable on every partition)\n');
    const json = await runCli(['verify-backup', '--store', store, '--ranges', '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ partitionCount: 0, partitions: [], windows: [] });
  });
});

describe('verify-backup exit 2', () => {
  it('refuses a command line without exactly one of --backupId, --latest, --all', async () => {
    for (const argv of [[], ['--latest', '--all'], ['--backupId', '1', '--latest']]) {
      const run = await runCli(['verify-backup', '--store', goldenDirectory, ...argv]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error [USAGE]: name exactly one of --backupId N, --latest or --all');
    }
  });

  it('refuses a store directory that does not exist', async () => {
    for (const selection of ['--latest', '--ranges']) {
      const run = await runCli(['verify-backup', '--store', '/nonexistent/cutline-store', selection]);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toContain('error [USAGE]: --store /nonexistent/cutline-store is not a directory');
    }
  });

  it('refuses a --temp-dir that is a file and an --output that is a directory, leaving nothing behind', async () => {
    const scratch = await newDirectory();
    const file = join(scratch, 'a-file');
    await writeFile(file, 'x');
    const cases: [string[], string][] = [
      [['--temp-dir', file], `error [USAGE]: --temp-dir ${file} is not a directory`],
      [['--output', scratch], `error [USAGE]: --output ${scratch} is a directory`],
      [
        ['--output', join(file, 'report.xml')],
        `error [USAGE]: --output ${join(file, 'report.xml')} is in ${file}, which is not a directory`,
      ],
      [['--ranges', '--output', scratch], `error [USAGE]: --output ${scratch} is a directory`],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(['verify-backup', '--store', goldenDirectory, ...(argv[0] === '--ranges' ? [] : ['--latest']), ...argv]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await readdir(scratch)).toEqual(['a-file']);
    expect(await readdir(dirname(scratch))).not.toContain(`${basename(scratch)}.tmp`);
  });

  it('reports a report it cannot write as VERIFY_LOCAL_IO (exit 2), with no .tmp file of its own left', async () => {
    const scratch = await newDirectory();
    const output = join(scratch, 'report.xml');
    // The temporary report's name is taken by a directory, so writing it fails.
    await mkdir(`${output}.tmp`);
    const run = await runCli(['verify-backup', '--store', goldenDirectory, '--latest', '--level', 'presence', '--output', output]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error \\[VERIFY_LOCAL_IO\\]: cannot write the report to ${output}: EISDIR`));
    expect(await readdir(scratch)).toEqual(['report.xml.tmp']);
  });

  it('reports a backup id that has no manifest as a finding (exit 1)', async () => {
    const run = await runCli(['verify-backup', '--store', goldenDirectory, '--backupId', '7']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BACKUP_NOT_FOUND backup=7 no partition has a manifest for backup 7');
  });
});
