// One name per concept across commands, the old names still accepted: --cluster-size (--nodes), --output (--out), --cfg (--config), --json.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { produceEngineBackup } from '../restore/engine-backup.js';

const freshDirectory = temporaryDirectories('flag-names');

describe('flag names', () => {
  it('engine start and restore take --cluster-size, and --nodes for it', async () => {
    const store = await freshDirectory();
    await produceEngineBackup(new FileSystemBackupStore(store), { seed: 7, partitionCount: 2, instances: 5 });
    const plan = (nodes: string[]) =>
      runCli(['restore', '--backupId', '1', '--store', store, '--data-dir', join(store, 'never'), '--dry-run', ...nodes]);
    expect((await plan(['--cluster-size', '2'])).stdout).toMatch(/^restore of backup 1 for node 0 of 2 /);
    expect((await plan(['--nodes', '2'])).stdout).toMatch(/^restore of backup 1 for node 0 of 2 /);
    for (const flag of ['--nodes', '--cluster-size']) {
      const refused = await runCli(['engine', 'start', '--data-dir', await freshDirectory(), flag, '0']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^error \[USAGE\]: --cluster-size must be an integer from 1 to 64, got 0\n/);
    }
  }, 60_000);

  it('backup export takes --output as verify-backup does, and --out still', async () => {
    const directory = await freshDirectory();
    for (const flag of ['--output', '--out']) {
      const result = await runCli(['backup', 'export', '--backupId', '1', flag, join(directory, 'a.tar'), '--store', directory]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^error \[BACKUP_NOT_FOUND\]/);
    }
    await runCli(['backup', 'export', '--backupId', '1', '--output', directory, '--store', directory]).then((result) =>
      expect(result.stderr).toMatch(/^error \[USAGE\]: --output \S+ already exists/),
    );
  });

  it('model-check names the trace .cfg --cfg, not --config (the config file elsewhere), and takes --config for it still', async () => {
    for (const flag of ['--cfg', '--config']) {
      const result = await runCli(['model-check', '--all', flag, 'spec/CheckpointProtocolTrace.cfg']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^error \[USAGE\]: --spec goes with --trace, --cfg with --trace or a module \(model-check Spec\.tla --cfg Spec\.cfg\)\n/,
      );
    }
  });

  it('verify-backup takes --json for --format json, and refuses it beside another format', async () => {
    const store = await freshDirectory();
    const json = await runCli(['verify-backup', '--store', store, '--ranges', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ windows: [] });
    const both = await runCli(['verify-backup', '--store', store, '--latest', '--json', '--format', 'junit']);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stderr)).toMatchObject({ code: 'USAGE', message: '--json and --format junit ask for different reports' });
  });
});
