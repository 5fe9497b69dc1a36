// `cutline engine start` with a management API token, and the CLI client sending it from CUTLINE_API_TOKEN.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { eventually } from '../support/eventually.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const freshDirectory = temporaryDirectories('api-token-cli');
const token = 'test-token-5f1d0c9a8b7e6d5c';
let engine: ChildProcessWithoutNullStreams;
let engineOutput = '';
let apiUrl = '';

beforeAll(async () => {
  const [dataDirectory, storeDirectory] = [await freshDirectory(), await freshDirectory()];
  // Loopback only (the default --api-host): with a token configured every route requires it there too.
  engine = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      bin,
      'engine',
      'start',
      '--data-dir',
      dataDirectory,
      '--partitions',
      '1',
      '--workload-rate',
      '0',
      '--store',
      storeDirectory,
      '--api-port',
      '0',
    ],
    {
      env: { ...process.env, CUTLINE_API_TOKEN: token },
    },
  );
  engine.stdout.on('data', (chunk: Buffer) => (engineOutput += chunk.toString()));
  engine.stderr.on('data', (chunk: Buffer) => (engineOutput += chunk.toString()));
  let exited = false;
  engine.once('close', () => (exited = true));
  // However long a loaded machine takes to start it: the engine says when its API listens, or exits.
  apiUrl = await eventually(() => {
    if (exited) throw new Error(`the engine exited before it started its API:\n${engineOutput}`);
    return /management API listening on (\S+)/.exec(engineOutput)?.[1] ?? '';
  });
}, 120_000);
afterAll(async () => {
  const closed = new Promise((resolve) => engine.once('close', resolve));
  engine.kill('SIGTERM');
  await closed;
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the management API token end to end', () => {
  it('the engine says a token is required and never prints it', () => {
    expect(engineOutput).toMatch(/management API listening on http:\/\/127\.0\.0\.1:\d+ \(bearer token required\)/);
    expect(engineOutput).not.toContain(token);
  });

  it('the CLI sends CUTLINE_API_TOKEN; without it the engine answers API_UNAUTHORIZED (exit 2)', async () => {
    vi.stubEnv('CUTLINE_API_TOKEN', '');
    const refused = await runCli(['backup', 'list', '--api', apiUrl]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error \[API_UNAUTHORIZED\]: the management API needs its bearer token; the request had no Authorization header\nhint: /,
    );
    vi.stubEnv('CUTLINE_API_TOKEN', `${token}-wrong`);
    const wrong = await runCli(['backup', 'list', '--api', apiUrl]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).not.toContain(token);
    vi.stubEnv('CUTLINE_API_TOKEN', token);
    const listed = await runCli(['backup', 'list', '--api', apiUrl, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ backups: [] });
    expect(engineOutput).not.toContain(token);
  });

  it('the CLI takes api.url and api.token from the config file; CUTLINE_API_TOKEN wins over the file', async () => {
    const file = join(await freshDirectory(), 'cutline.json');
    await writeFile(file, JSON.stringify({ api: { url: apiUrl, token } }));
    vi.stubEnv('CUTLINE_API_TOKEN', '');
    vi.stubEnv('CUTLINE_API', '');
    const listed = await runCli(['backup', 'list', '--config', file, '--json']);
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toEqual({ backups: [] });
    vi.stubEnv('CUTLINE_API_TOKEN', `${token}-wrong`);
    const overridden = await runCli(['backup', 'list', '--config', file]);
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).toMatch(/^error \[API_UNAUTHORIZED\]/);
    expect(`${listed.stdout}${overridden.stderr}`).not.toContain(token);
  });

  it('refuses --api-host 0.0.0.0 without a token (USAGE, exit 2) before it opens or binds anything', async () => {
    vi.stubEnv('CUTLINE_API_TOKEN', '');
    const dataDirectory = await freshDirectory();
    // --partitions 0 is refused right after the token check: even an engine without the check binds nothing here.
    const refused = await runCli([
      'engine',
      'start',
      '--data-dir',
      dataDirectory,
      '--partitions',
      '0',
      '--store',
      await freshDirectory(),
      '--api-port',
      '0',
      '--api-host',
      '0.0.0.0',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error \[USAGE\]: the management API would listen on 0\.0\.0\.0, which other machines can reach, without authentication\nhint: Set CUTLINE_API_TOKEN/,
    );
  });
});
