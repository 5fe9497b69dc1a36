// `cutline backup export|import` end to end through the CLI entry point, with store selection from flags and environment.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { ManualClock } from '../../src/clock.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { uploadBackup, listBackupManifests } from '../../src/backup/manifest-store.js';
import { descriptor, fileSource } from '../backup/manifest-fixture.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';

let directory: string;
let server: LoopbackS3;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cutline-backup-cli-'));
  server = await startLoopbackS3();
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const run = runCli;

describe('cutline backup export|import', () => {
  it('exports from a directory store and imports into S3 configured by environment variables', async () => {
    const source = join(directory, 'source');
    await uploadBackup(
      new FileSystemBackupStore(source),
      { partitionId: 1, checkpointId: 12, nodeId: 0 },
      descriptor({ partitionCount: 1 }),
      [fileSource('segments/1.log', 'records')],
      new ManualClock(0),
    );
    const out = join(directory, 'b12.tar');
    const exported = await run(['backup', 'export', '--backupId', '12', '--out', out, '--store', source]);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toContain('Exported backup 12: partitions 1, 1 files, 7 B to');
    const exportedJson = await run(['backup', 'export', '--backupId', '12', '--output', `${out}.2`, '--store', source, '--json']);
    expect(JSON.parse(exportedJson.stdout)).toMatchObject({
      checkpointId: 12,
      partitionIds: [1],
      fileCount: 1,
      totalBytes: 7,
      archive: `${out}.2`,
    });

    vi.stubEnv('CUTLINE_STORE', `s3://${server.bucket}/cli`);
    vi.stubEnv('CUTLINE_S3_ENDPOINT', server.endpoint);
    vi.stubEnv('CUTLINE_S3_FORCE_PATH_STYLE', 'true');
    vi.stubEnv('AWS_ACCESS_KEY_ID', server.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', server.credentials.secretAccessKey);
    const imported = await run(['backup', 'import', out]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain(`Imported backup 12: partitions 1, 1 files, 7 B into s3://${server.bucket}/cli`);
    const again = await run(['backup', 'import', out]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('error [STORE_ALREADY_EXISTS]');
    const againJson = await run(['backup', 'import', out, '--json']);
    expect(JSON.parse(againJson.stderr)).toMatchObject({ code: 'STORE_ALREADY_EXISTS', exitCode: 3 });
    vi.unstubAllEnvs();
    expect((await listBackupManifests(new FileSystemBackupStore(source), 12))[0]?.status).toBe('COMPLETED');
  });

  it('reports usage errors with code, hint and exit status 2', async () => {
    const noStore = await run(['backup', 'export', '--backupId', '1', '--out', join(directory, 'x.tar')]);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('error [USAGE]: no backup store is configured');
    expect(noStore.stderr).toContain('hint: Pass --store');
    const badId = await run(['backup', 'export', '--backupId', '-3', '--out', join(directory, 'x.tar'), '--store', directory]);
    expect(badId.stderr).toContain('--backupId must be a positive integer, got "-3"');
    const missing = await run(['backup', 'export', '--backupId', '404', '--out', join(directory, 'y.tar'), '--store', directory]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error [BACKUP_NOT_FOUND]');
    await expect(stat(join(directory, 'y.tar'))).rejects.toThrow();
  });
});

describe('a backup id that is not a positive integer', () => {
  const api = ['--api', 'http://127.0.0.1:9'];
  it.each([
    ['backup take', ['backup', 'take', ...api]],
    ['backup status', ['backup', 'status', ...api]],
    ['backup delete', ['backup', 'delete', ...api]],
    ['backup export', ['backup', 'export', '--out', 'never.tar', '--store', '.']],
    ['verify-backup', ['verify-backup', '--store', '.']],
    ['restore', ['restore', '--store', '.', '--data-dir', 'never']],
  ])('is refused by %s with the value as given (USAGE, exit 2)', async (_name, command) => {
    for (const [given, shown] of [
      ['abc', '"abc"'],
      ['0', '"0"'],
      ['1.5', '"1.5"'],
      ['', '""'],
    ]) {
      const run = await runCli([...command, '--backupId', given as string]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error [USAGE]: --backupId must be a positive integer, got ${shown as string}\nhint: `);
    }
  });

  it('is refused as --to-checkpoint too', async () => {
    const run = await runCli(['restore', '--to-checkpoint', 'abc', '--store', '.', '--data-dir', 'never']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error [USAGE]: --to-checkpoint must be a positive integer, got "abc"');
  });
});
