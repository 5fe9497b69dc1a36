// The management API's bearer token: who decides it is needed, where it comes from, and every route refusing a request without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupApiService } from '../../src/api/backup-api-service.js';
import { startManagementApi, type ManagementApi } from '../../src/api/management-api.js';
import { bearerMatches, isLoopbackHost, readApiToken, requireTokenOffLoopback } from '../../src/api/api-auth.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { CutlineError } from '../../src/errors.js';
import { resolveBackupConfig } from '../../src/cli/backup-config-sources.js';
import { readConfigFile } from '../../src/cli/config-file.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { openBackupTestCluster, type BackupTestCluster } from '../support/backup-fixtures.js';

const freshDirectory = temporaryDirectories('api-auth');
const token = 'c0ffee-0123456789abcdef-token';

function usageOf(action: () => unknown): CutlineError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(CutlineError);
    expect((error as CutlineError).code).toBe('USAGE');
    return error as CutlineError;
  }
  throw new Error('no USAGE error');
}

describe('when the management API needs a token', () => {
  it('tells loopback addresses from the others', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.1.2.3', '192.168.0.7', '::ffff:10.0.0.1', 'fe80::1', 'engine.internal', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses to serve off loopback without a token, before anything listens; a token or loopback is enough', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      expect(usageOf(() => requireTokenOffLoopback(host, undefined)).message).toBe(
        `the management API would listen on ${host}, which other machines can reach, without authentication`,
      );
      expect(() => requireTokenOffLoopback(host, token)).not.toThrow();
    }
    expect(() => requireTokenOffLoopback('127.0.0.1', undefined)).not.toThrow();
  });

  it('reads the token from CUTLINE_API_TOKEN, else from the config file, and never echoes it or the file', async () => {
    const directory = await freshDirectory();
    const config = join(directory, 'engine.json');
    await writeFile(config, JSON.stringify({ backup: { continuous: true }, api: { token: `file-${token}` } }));
    expect(readApiToken({ CUTLINE_API_TOKEN: token }, readConfigFile(config))).toBe(token);
    expect(readApiToken({ CUTLINE_API_TOKEN: '' }, readConfigFile(config))).toBe(`file-${token}`);
    expect(readApiToken({}, undefined)).toBeUndefined();
    // The same file configures the backups: their reader accepts the "api" key beside "backup".
    expect(resolveBackupConfig({ configFile: config }).continuous).toBe(true);
    const short = usageOf(() => readApiToken({ CUTLINE_API_TOKEN: 'hunter2' }, undefined));
    expect(short.message).toBe('CUTLINE_API_TOKEN is 7 characters long; an API token has 16 to 1024');
    expect(`${short.message}${short.hint ?? ''}`).not.toContain('hunter2');
    const spaced = usageOf(() => readApiToken({ CUTLINE_API_TOKEN: `${token} x` }, undefined));
    expect(spaced.message).not.toContain(token);
    await writeFile(config, `{"api": {"token": "${token}" "oops"}}`);
    const broken = usageOf(() => readApiToken({}, readConfigFile(config)));
    expect(broken.message).toBe(
      `config file ${config} is not valid JSON (line 1, column ${`{"api": {"token": "${token}" `.length + 1}); its text is not shown, as it may hold the API token`,
    );
    await writeFile(config, JSON.stringify({ api: { token: 42 } }));
    expect(usageOf(() => readApiToken({}, readConfigFile(config))).message).toBe(
      `config file ${config} has an api.token that is not a string`,
    );
    await writeFile(config, JSON.stringify({ api: { token, tokn: token } }));
    const unknown = usageOf(() => readConfigFile(config));
    expect(unknown.message).toBe(`config file ${config} has the unknown key "api.tokn"`);
    expect(`${unknown.message}${unknown.hint ?? ''}`).not.toContain(token);
  });

  it('matches only `Bearer <the token>`', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    for (const header of [undefined, '', 'Bearer', `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`, token])
      expect(bearerMatches(header, token), String(header)).toBe(false);
  });
});

describe('the management API with a token', () => {
  let engine: BackupTestCluster;
  let api: ManagementApi;

  beforeAll(async () => {
    engine = openBackupTestCluster(29, new FileSystemBackupStore(await freshDirectory()));
    await engine.manager.start(engine.cluster);
    api = await startManagementApi(new BackupApiService(engine.cluster, engine.manager), 0, '127.0.0.1', { token });
  });
  afterAll(async () => {
    await api.close();
    await engine.manager.close();
    engine.cluster.close();
  });

  const routes: [string, string][] = [
    ['GET', '/backups'],
    ['POST', '/backups'],
    ['GET', '/backups/state'],
    ['GET', '/health'],
    ['GET', '/backups/7'],
    ['DELETE', '/backups/7'],
    ['GET', '/no-such-route'],
  ];

  it('answers every route, even one that does not exist, with 401 API_UNAUTHORIZED without the right token, echoing nothing', async () => {
    for (const [method, path] of routes) {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${token}`]) {
        const response = await fetch(`${api.url}${path}`, {
          method,
          ...(authorization === undefined ? {} : { headers: { authorization } }),
        });
        const text = await response.text();
        expect(response.status, `${method} ${path} with ${String(authorization)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cutline"');
        expect(JSON.parse(text)).toMatchObject({ code: 'API_UNAUTHORIZED' });
        expect(text).not.toContain(token);
        expect(text).not.toContain('wrong-token');
      }
    }
  });

  it('serves every route to a request with the token', async () => {
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${api.url}/health`, { headers })).status).toBe(200);
    expect((await fetch(`${api.url}/backups`, { headers })).status).toBe(200);
    expect((await fetch(`${api.url}/backups/state`, { headers })).status).toBe(200);
    expect((await fetch(`${api.url}/backups/7`, { headers })).status).toBe(404);
    expect((await fetch(`${api.url}/no-such-route`, { headers })).status).toBe(404);
  });
});
