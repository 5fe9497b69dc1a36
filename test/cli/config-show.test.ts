// One config file for every command: `cutline config show` (sources, redaction, errors) and the commands that read the file.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('config-cli');
afterEach(() => {
  vi.unstubAllEnvs();
});

async function configFile(document: unknown): Promise<string> {
  const path = join(await freshDirectory(), 'cutline.json');
  await writeFile(path, typeof document === 'string' ? document : JSON.stringify(document));
  return path;
}

interface Shown {
  configFile: { path: string; namedBy: string } | null;
  settings: { key: string; value: unknown; source: string; from: string }[];
  credentials: { name: string; value: string; source: string }[];
}

async function show(args: string[]): Promise<{ code: number; shown: Shown; stderr: string }> {
  const result = await runCli(['config', 'show', '--json', ...args]);
  return { code: result.code, shown: JSON.parse(result.stdout) as Shown, stderr: result.stderr };
}

function setting(shown: Shown, key: string): { value: unknown; source: string; from: string } | undefined {
  const found = shown.settings.find((candidate) => candidate.key === key);
  return found === undefined ? undefined : { value: found.value, source: found.source, from: found.from };
}

describe('cutline config show', () => {
  it('shows every setting with where it came from: flag over environment over file over default', async () => {
    const file = await configFile({
      store: 's3://file-bucket/cutline',
      's3-region': 'eu-west-1',
      'data-dir': '/file/data',
      'cluster-size': 3,
      backup: { schedule: 'PT5M', compression: 'none' },
    });
    vi.stubEnv('CUTLINE_DATA_DIR', '/env/data');
    vi.stubEnv('CUTLINE_S3_REGION', 'eu-central-1');
    vi.stubEnv('CUTLINE_BACKUP_COMPRESSION', '');
    const { code, shown } = await show(['--config', file, '--s3-region', 'us-east-2', '--backup-schedule', 'PT1M']);
    expect(code).toBe(0);
    expect(shown.configFile).toEqual({ path: file, namedBy: '--config' });
    expect(setting(shown, 'store')).toEqual({ value: 's3://file-bucket/cutline', source: 'file', from: `store in ${file}` });
    expect(setting(shown, 's3-region')).toEqual({ value: 'us-east-2', source: 'flag', from: '--s3-region' });
    expect(setting(shown, 'data-dir')).toEqual({ value: '/env/data', source: 'env', from: 'CUTLINE_DATA_DIR' });
    expect(setting(shown, 'cluster-size')).toEqual({ value: 3, source: 'file', from: `cluster-size in ${file}` });
    expect(setting(shown, 'node-id')).toEqual({ value: 0, source: 'default', from: 'default' });
    expect(setting(shown, 'backup.schedule')).toEqual({ value: 'PT1M', source: 'flag', from: '--backup-schedule' });
    // An empty variable counts as unset, as everywhere else.
    expect(setting(shown, 'backup.compression')).toEqual({ value: 'none', source: 'file', from: `backup.compression in ${file}` });
    expect(setting(shown, 'log-level')).toEqual({ value: 'info', source: 'default', from: 'default' });
    expect(shown.settings.find((candidate) => candidate.key === 'node-id')).toMatchObject({ usedBy: 'restore' });
    const text = await runCli(['config', 'show', '--config', file, '--nodes', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^config file: ${file} \\(from --config\\)\\nprecedence: flag > env > file > default\\n`));
    expect(text.stdout).toMatch(/^cluster-size +2 +flag \(--cluster-size\)$/m);
    expect(text.stdout).toMatch(/^data-dir +\/env\/data +env \(CUTLINE_DATA_DIR\)$/m);
    expect(text.stdout).toMatch(/^api\.url +- +default$/m);
  });

  it('reads the file CUTLINE_CONFIG names; --config wins over it', async () => {
    const fromEnvironment = await configFile({ 'node-id': 1, 'cluster-size': 2 });
    const fromFlag = await configFile({ 'node-id': 2, 'cluster-size': 3 });
    vi.stubEnv('CUTLINE_CONFIG', fromEnvironment);
    const named = await show([]);
    expect(named.shown.configFile).toEqual({ path: fromEnvironment, namedBy: 'CUTLINE_CONFIG' });
    expect(setting(named.shown, 'node-id')).toMatchObject({ value: 1, source: 'file' });
    const flagged = await show(['--config', fromFlag]);
    expect(setting(flagged.shown, 'node-id')).toEqual({ value: 2, source: 'file', from: `node-id in ${fromFlag}` });
    vi.stubEnv('CUTLINE_CONFIG', join(await freshDirectory(), 'missing.json'));
    const missing = await runCli(['config', 'show']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error \[USAGE\]: config file \S+missing\.json \(from CUTLINE_CONFIG\) cannot be read \(ENOENT\)\n/);
  });

  it('never prints a secret: the API token, AWS secret keys, credentials in a URL', async () => {
    const fileToken = 'file-token-0123456789abcdef';
    const file = await configFile({
      store: 's3://bucket/p',
      's3-endpoint': 'http://minio:hunter2secret@127.0.0.1:9000',
      api: { token: fileToken },
    });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'aws-secret-value');
    vi.stubEnv('AWS_SESSION_TOKEN', 'aws-session-value');
    for (const format of [['--json'], []]) {
      const result = await runCli(['config', 'show', '--config', file, ...format]);
      const printed = `${result.stdout}${result.stderr}`;
      for (const secret of [fileToken, 'aws-secret-value', 'aws-session-value', 'hunter2secret']) expect(printed).not.toContain(secret);
      expect(result.stdout).toContain('(redacted)');
      expect(result.stdout).toContain('AKIAEXAMPLE');
      // Shown first, then checked as the commands check it: credentials in the endpoint URL are refused.
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/USAGE.*s3-endpoint in \S+ contains user credentials/);
    }
    vi.stubEnv('CUTLINE_API_TOKEN', 'env-token-0123456789abcdef');
    const fromEnvironment = await show(['--config', await configFile({ api: { token: fileToken } })]);
    expect(fromEnvironment.code).toBe(0);
    expect(setting(fromEnvironment.shown, 'api.token')).toEqual({ value: '(redacted)', source: 'env', from: 'CUTLINE_API_TOKEN' });
    expect(fromEnvironment.shown.credentials).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', value: 'AKIAEXAMPLE', source: 'env' },
      { name: 'AWS_SECRET_ACCESS_KEY', value: '(redacted)', source: 'env' },
      { name: 'AWS_SESSION_TOKEN', value: '(redacted)', source: 'env' },
    ]);
  });

  it('refuses a file with an unknown key, an action, broken JSON or a bad value, naming the file and the key or place', async () => {
    const cases: [unknown, RegExp][] = [
      [{ stor: '/b' }, /config file \S+ has the unknown key "stor"\nhint: Known keys: store, s3-endpoint/],
      [{ backup: { interval: 'PT1S' } }, /has the unknown key "backup\.interval"/],
      [
        { backupId: 5 },
        /has the key "backupId", which says what to do rather than how: it is not a setting\nhint: Pass --backupId on the command line/,
      ],
      ['{\n  "api": {"token": "abcdefabcdefabcdef" "x"}\n}', /is not valid JSON \(line 2, column 41\); its text is not shown/],
      [{ 'cluster-size': 'three' }, /cluster-size in \S+ must be an integer from 1 to 64, got "three"/],
      [{ 'log-level': 'loud' }, /log-level in \S+ must be one of error, warn, info, debug, got "loud"/],
      [{ backup: { schedule: 300 } }, /backup\.schedule in \S+ = 300 is not a string/],
    ];
    for (const [document, expected] of cases) {
      const result = await runCli(['config', 'show', '--config', await configFile(document)]);
      expect(result.code, JSON.stringify(document)).toBe(2);
      expect(result.stderr).toMatch(/^error \[USAGE\]: /);
      expect(result.stderr).toMatch(expected);
      expect(result.stderr).not.toContain('abcdefabcdefabcdef');
    }
  });

  it('refuses --quiet with another --log-level, and reads CUTLINE_LOG_LEVEL', async () => {
    const conflicting = await runCli(['config', 'show', '--quiet', '--log-level', 'debug']);
    expect(conflicting.code).toBe(2);
    expect(conflicting.stderr).toMatch(/^error \[USAGE\]: --quiet and --log-level debug ask for different log levels/);
    vi.stubEnv('CUTLINE_LOG_LEVEL', 'warn');
    expect(setting((await show([])).shown, 'log-level')).toEqual({ value: 'warn', source: 'env', from: 'CUTLINE_LOG_LEVEL' });
    expect(setting((await show(['--verbose'])).shown, 'log-level')).toMatchObject({ value: 'debug', source: 'flag' });
  });
});

describe('the commands read the same file', () => {
  it('verify-backup and backup export take the store from the file; the environment wins over it', async () => {
    const store = await freshDirectory();
    const file = await configFile({ store });
    const ranges = await runCli(['verify-backup', '--ranges', '--config', file, '--format', 'json']);
    expect(ranges.stderr).toBe('');
    expect(ranges.code).toBe(1);
    expect(JSON.parse(ranges.stdout)).toMatchObject({ windows: [] });
    vi.stubEnv('CUTLINE_STORE', join(store, 'not-there'));
    const overridden = await runCli(['verify-backup', '--ranges', '--config', file]);
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).toContain(`is not a directory`);
    vi.stubEnv('CUTLINE_STORE', '');
    const exported = await runCli(['backup', 'export', '--backupId', '5', '--out', join(store, 'b.tar'), '--config', file]);
    expect(exported.code).toBe(3);
    expect(exported.stderr).toMatch(/^error \[BACKUP_NOT_FOUND\]/);
  });

  it('drops the S3 settings of a file whose S3 store a flag replaces with a directory, and refuses them beside its own directory', async () => {
    const store = await freshDirectory();
    const s3 = await configFile({ store: 's3://bucket/p', 's3-endpoint': 'http://127.0.0.1:9000', 's3-region': 'eu-west-1' });
    expect((await runCli(['verify-backup', '--ranges', '--store', store, '--config', s3])).code).toBe(1);
    const mixed = await configFile({ store, 's3-region': 'eu-west-1' });
    const refused = await runCli(['verify-backup', '--ranges', '--config', mixed]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/s3-region in \S+ only apply to s3:\/\/ stores, but store in \S+ names a directory/);
  });

  it('engine start and restore take data-dir and cluster-size from it, and name the file key of a bad value', async () => {
    const data = join(await freshDirectory(), 'data');
    await mkdir(data);
    const badSize = await configFile({ 'data-dir': data, 'cluster-size': 0 });
    const engine = await runCli(['engine', 'start', '--config', badSize]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toMatch(/^error \[USAGE\]: cluster-size in \S+ must be an integer from 1 to 64, got 0\n/);
    const restore = await runCli(['restore', '--backupId', '1', '--store', await freshDirectory(), '--config', badSize]);
    expect(restore.stderr).toMatch(/^error \[USAGE\]: cluster-size in \S+ must be an integer from 1 to 64, got 0\n/);
    const none = await runCli(['engine', 'start', '--partitions', '1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^error \[USAGE\]: no data directory is given\nhint: Pass --data-dir \(or set CUTLINE_DATA_DIR, or data-dir in the config file\)/,
    );
  });
});
