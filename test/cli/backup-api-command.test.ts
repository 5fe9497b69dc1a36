// `cutline backup take|status|list|state|delete` against a real `cutline engine start --store --api-port` process.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const freshDirectory = temporaryDirectories('backup-api-cli');
let engine: ChildProcessWithoutNullStreams;
let engineOutput = '';
let apiUrl = '';

/**
 * Resolves with the first match of `pattern` in what the engine printed, as soon as it prints it; rejects
 * if the engine exits first. The test's timeout is the only limit: a busy machine only makes it later.
 */
function engineSays(pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = (): void => {
      const match = pattern.exec(engineOutput);
      if (match === null) return;
      engine.stdout.off('data', look);
      engine.off('close', exited);
      resolve(match);
    };
    const exited = (code: number | null): void =>
      reject(new Error(`the engine exited (${String(code)}) before it printed ${String(pattern)}:\n${engineOutput}`));
    engine.stdout.on('data', look);
    engine.once('close', exited);
    look();
  });
}

beforeAll(async () => {
  const [dataDirectory, storeDirectory] = [await freshDirectory(), await freshDirectory()];
  engine = spawn(process.execPath, [
    '--import',
    'tsx',
    bin,
    'engine',
    'start',
    '--data-dir',
    dataDirectory,
    '--partitions',
    '2',
    '--workload-rate',
    '300',
    '--store',
    storeDirectory,
    '--api-port',
    '0',
  ]);
  engine.stderr.on('data', (chunk: Buffer) => (engineOutput += chunk.toString()));
  // Registered first, so that engineSays sees every chunk already appended.
  engine.stdout.on('data', (chunk: Buffer) => (engineOutput += chunk.toString()));
  apiUrl = (await engineSays(/management API listening on (\S+)/))[1] ?? '';
}, 120_000);
afterAll(async () => {
  const closed = new Promise((resolve) => engine.once('close', resolve));
  engine.kill('SIGTERM');
  await closed;
});

const run = runCli;

/** A loopback port nothing listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function statusOf(backupId: number): Promise<{ status: string }> {
  const result = await run(['backup', 'status', '--backupId', String(backupId), '--api', apiUrl, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { status: string };
}

describe('cutline backup take|status|list|state|delete', () => {
  it('takes a backup, follows it to COMPLETED, lists it, deletes it, and refuses its id afterwards', async () => {
    const taken = await run(['backup', 'take', '--api', apiUrl, '--backupId', '3']);
    expect(taken).toMatchObject({
      code: 0,
      stdout: 'Backup 3 started on every partition; follow it with `cutline backup status --backupId 3`\n',
    });
    // The engine logs each partition's outcome after its COMPLETED manifest is written.
    await engineSays(/backup 3: partition 1 (COMPLETED|FAILED)/);
    await engineSays(/backup 3: partition 2 (COMPLETED|FAILED)/);
    expect((await statusOf(3)).status).toBe('COMPLETED');

    const text = await run(['backup', 'status', '--backupId', '3', '--api', apiUrl]);
    expect(text.stdout).toMatch(
      /^Backup 3: COMPLETED\n {2}partition 1 \(node 0\): COMPLETED; checkpoint at \d+, (snapshot \d+-\d+|no snapshot), log \d+\.\.\d+, \d+ files, [0-9.]+ [KMG]?i?B \([0-9.]+ [KMG]?i?B added to the store\), format v3, /,
    );
    vi.stubEnv('CUTLINE_API', apiUrl);
    const listed = await run(['backup', 'list']);
    expect(listed.stdout).toMatch(
      /^BACKUP +STATUS +COMPLETED +SIZE +ADDED +CREATED\n3 +COMPLETED +2\/2 +[0-9.]+ [KMG]?i?B +[0-9.]+ [KMG]?i?B /,
    );
    const state = await run(['backup', 'state']);
    expect(state.code, state.stderr).toBe(0);
    expect(state.stdout).toMatch(
      /^store: healthy since \S+\npartition 1 \(node 0\): processed up to \d+; checkpoint \d+ \(\w+\) at \d+; latest backup 3 COMPLETED\n/,
    );
    expect(JSON.parse((await run(['backup', 'state', '--json'])).stdout)).toMatchObject({
      partitions: [{ partitionId: 1, latestBackup: { checkpointId: 3, status: 'COMPLETED' } }, { partitionId: 2 }],
    });
    // --backup-id is accepted for --backupId (the documented name).
    expect((await run(['backup', 'status', '--backup-id', '3', '--json'])).code).toBe(0);
    const deleted = await run(['backup', 'delete', '--backupId', '3', '--json']);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ backupId: 3, status: 'DELETED' });
    const refused = await run(['backup', 'take', '--backupId', '3']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      'error [BACKUP_ID_CONFLICT]: backup id 3 is not greater than 3, the highest checkpoint or backup id used so far\n' +
        'hint: Ids are never reused, even after a backup was deleted: pass an id above 3, or omit it.\n',
    );
    vi.unstubAllEnvs();
  }, 120_000);

  it('reports a missing backup, a missing API setting and an unreachable API with their codes', async () => {
    const missing = await run(['backup', 'status', '--backupId', '77', '--api', apiUrl]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error \[BACKUP_NOT_FOUND\]: backup 77 does not exist/);
    const noStore = await run(['engine', 'start', '--data-dir', await freshDirectory(), '--api-port', '0']);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/^error \[USAGE\]: --api-port needs a backup store\nhint: Pass --store/);
    const unset = await run(['backup', 'list']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/^error \[USAGE\]: no management API is configured\nhint: Pass --api/);
    const closedUrl = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = await run(['backup', 'list', '--api', closedUrl]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(`error [API_UNAVAILABLE]: cannot reach the management API at ${closedUrl}: ECONNREFUSED\n`);
  });
});
