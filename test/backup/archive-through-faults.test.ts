// `cutline backup export` and `backup import` against s3rver through the fault proxy: bounded faults are retried, faults that outlast the retries fail with STORE_UNAVAILABLE and leave nothing half done.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAll } from '../../src/store/backup-store.js';
import { collectChunks } from '../../src/backup/chunk-collection.js';
import { systemClock } from '../../src/clock.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { faultStore, filesOf, injectedCount } from '../support/fault-stores.js';
import { rewriteAsVersion1 } from '../support/format-v1.js';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { produceEngineBackup } from '../restore/engine-backup.js';
import { planFromStore, restore } from '../restore/restore-helpers.js';

const directory = temporaryDirectories('archive-faults');
let server: LoopbackS3;
/** The archives of backup 1, written by the store format each names, and what a restore of it holds. */
const archives = new Map<'v1' | 'v2', string>();
/** What a restore of each source backup holds (the completion marker names the plan, which differs between formats). */
const restored = new Map<string, Map<string, string>>();

function cli(command: string[], endpoint: string, prefix: string): ReturnType<typeof runCli> {
  return runCli([...command, '--store', `s3://${server.bucket}/${prefix}`, '--s3-endpoint', endpoint, '--s3-force-path-style']);
}

async function withProxy<T>(options: Partial<FaultProxyOptions>, run: (proxy: FaultProxy) => Promise<T>): Promise<T> {
  const proxy = await startFaultProxy(server.endpoint, { seed: 1, faultProbability: 1, faultsMax: Infinity, delayMsMax: 50, ...options });
  try {
    return await run(proxy);
  } finally {
    await proxy.close();
  }
}

/** Every key under the prefix, to see what an import left behind. */
async function keysUnder(prefix: string): Promise<string[]> {
  const store = faultStore(server, server.endpoint, prefix);
  try {
    return (await listAll(store, '')).map((entry) => entry.key).sort();
  } finally {
    store.destroy();
  }
}

async function restoredFrom(prefix: string): Promise<Map<string, string>> {
  const store = faultStore(server, server.endpoint, prefix);
  try {
    const target = join(await directory(), 'data');
    expect((await restore(await planFromStore(store, 1), store, target)).status).toBe('restored');
    return filesOf(target);
  } finally {
    store.destroy();
  }
}

beforeAll(async () => {
  server = await startLoopbackS3();
  vi.stubEnv('AWS_ACCESS_KEY_ID', server.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', server.credentials.secretAccessKey);
  for (const version of ['v1', 'v2'] as const) {
    const store = faultStore(server, server.endpoint, `source-${version}`);
    await produceEngineBackup(store, { seed: 31, partitionCount: 2, instances: 40, checkpointId: 1 }).finally(() => store.destroy());
    if (version === 'v1') await rewriteAsVersion1(faultStore(server, server.endpoint, 'source-v1'), 1);
    const out = join(await directory(), `backup-${version}.tar`);
    const exported = await cli(['backup', 'export', '--backupId', '1', '--out', out], server.endpoint, `source-${version}`);
    expect(exported.stderr).toBe('');
    archives.set(version, out);
  }
  for (const version of ['v1', 'v2'] as const) restored.set(version, await restoredFrom(`source-${version}`));
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  await server.close();
});
beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', server.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', server.credentials.secretAccessKey);
});
afterEach(() => vi.unstubAllEnvs());

describe('backup import through HTTP faults', () => {
  for (const [seed, version] of [
    [11, 'v1'],
    [12, 'v2'],
    [13, 'v2'],
  ] as const) {
    it(`seed ${seed}, ${version} archive, at most 4 faults (fewer than a request's 5 attempts): imported, verifies at level full, restores byte-identical`, async () => {
      const prefix = `import-${seed}`;
      const imported = await withProxy({ seed, faultProbability: 0.3, faultsMax: 4 }, async (proxy) => {
        const run = await cli(['backup', 'import', archives.get(version) ?? ''], proxy.endpoint, prefix);
        expect(injectedCount(proxy), JSON.stringify(proxy.injected)).toBeGreaterThan(0);
        return run;
      });
      expect([imported.code, imported.stderr]).toEqual([0, '']);
      const store = faultStore(server, server.endpoint, prefix);
      expect((await verifyBackup(store, 1, { level: 'full' }).finally(() => store.destroy())).findings).toEqual([]);
      expect(await restoredFrom(prefix)).toEqual(restored.get(version));
    }, 60_000);
  }

  for (const version of ['v1', 'v2'] as const) {
    it(`${version} archive, every manifest PUT after the first failing: STORE_UNAVAILABLE, and no manifest, content or chunk left in the store`, async () => {
      const prefix = `import-manifests-${version}`;
      const isManifestPut = (method: string, path: string): boolean => method === 'PUT' && path.includes(`/${prefix}/manifests/`);
      const imported = await withProxy({ matches: isManifestPut, passFirst: 1, kinds: ['internal-error', 'reset-request'] }, (proxy) =>
        cli(['backup', 'import', archives.get(version) ?? ''], proxy.endpoint, prefix),
      );
      expect([imported.code, imported.stderr.split('\n')[0]?.split(':')[0]]).toEqual([3, 'error [STORE_UNAVAILABLE]']);
      // The first partition's COMPLETED manifest, written before the second failed, would be half a backup.
      expect(await keysUnder(prefix)).toEqual([]);
    }, 60_000);
  }
});

describe('backup import while every PUT fails past the retries', () => {
  it('v2 archive: STORE_UNAVAILABLE, no manifest, and the chunks it stored go with the next collection', async () => {
    const prefix = 'import-all-puts';
    const imported = await withProxy(
      { matches: (method) => method === 'PUT', passFirst: 3, kinds: ['internal-error', 'slow-down', 'reset-request'] },
      (proxy) => cli(['backup', 'import', archives.get('v2') ?? ''], proxy.endpoint, prefix),
    );
    expect([imported.code, imported.stderr.split('\n')[0]?.split(':')[0]]).toEqual([3, 'error [STORE_UNAVAILABLE]']);
    const left = await keysUnder(prefix);
    expect(left.filter((key) => !key.startsWith('chunks/'))).toEqual([]);
    expect(left.length).toBeGreaterThan(0);
    const store = faultStore(server, server.endpoint, prefix);
    for (const partitionId of [1, 2]) await collectChunks(store, partitionId, { clock: systemClock });
    store.destroy();
    expect(await keysUnder(prefix)).toEqual([]);
  }, 60_000);
});

describe('backup export through HTTP faults', () => {
  for (const seed of [14, 15]) {
    it(`seed ${seed}, at most 4 faults: the archive is byte-identical to one exported without faults`, async () => {
      const out = join(await directory(), 'backup.tar');
      const exported = await withProxy({ seed, faultProbability: 0.3, faultsMax: 4 }, async (proxy) => {
        const run = await cli(['backup', 'export', '--backupId', '1', '--out', out], proxy.endpoint, 'source-v2');
        expect(injectedCount(proxy), JSON.stringify(proxy.injected)).toBeGreaterThan(0);
        return run;
      });
      expect([exported.code, exported.stderr]).toEqual([0, '']);
      expect((await readFile(out)).equals(await readFile(archives.get('v2') ?? ''))).toBe(true);
    }, 60_000);
  }
  it('every GET of backup contents after the first three failing: STORE_UNAVAILABLE, and no archive or temporary file left', async () => {
    const out = join(await directory(), 'out', 'backup.tar');
    await mkdir(join(out, '..'), { recursive: true });
    const isContentGet = (method: string, path: string): boolean => method === 'GET' && path.includes('/source-v2/chunks/');
    const exported = await withProxy(
      { matches: isContentGet, passFirst: 3, kinds: ['internal-error', 'truncated-body', 'reset-response'] },
      (proxy) => cli(['backup', 'export', '--backupId', '1', '--out', out], proxy.endpoint, 'source-v2'),
    );
    expect([exported.code, exported.stderr.split('\n')[0]?.split(':')[0]]).toEqual([3, 'error [STORE_UNAVAILABLE]']);
    expect(await readdir(join(out, '..'))).toEqual([]);
  }, 60_000);
});
