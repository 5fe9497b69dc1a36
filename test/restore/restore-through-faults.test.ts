// Restore and verify-backup from s3rver through a proxy injecting seeded HTTP faults: the same result as on the direct endpoint, or a CutlineError (a restore leaving its target empty).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { S3BackupStore } from '../../src/store/s3-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { isCutlineError } from '../../src/errors.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { filesOf } from '../support/fault-stores.js';
import { produceEngineBackup, type EngineBackup } from './engine-backup.js';
import { entriesOf, planFromStore, restore } from './restore-helpers.js';

const directory = temporaryDirectories('restore-faults');
let server: LoopbackS3;
let direct: S3BackupStore;
let backup: EngineBackup;

function storeAt(endpoint: string): S3BackupStore {
  return new S3BackupStore({
    bucket: server.bucket,
    prefix: 'cluster-a',
    endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    random: new SeededRandom(1),
  });
}

beforeAll(async () => {
  server = await startLoopbackS3();
  direct = storeAt(server.endpoint);
  backup = await produceEngineBackup(direct, { seed: 31, partitionCount: 2, instances: 40 });
});
afterAll(async () => {
  direct.destroy();
  await server.close();
});

describe('restore from S3 through injected HTTP faults', () => {
  for (const seed of [2, 3, 4, 5, 6]) {
    it(`seed ${seed}: restores byte-identical to a clean restore, or fails with a CutlineError and an empty target`, async () => {
      const clean = join(await directory(), 'data');
      expect((await restore(await planFromStore(direct, backup.checkpointId), direct, clean)).status).toBe('restored');
      const proxy: FaultProxy = await startFaultProxy(server.endpoint, { seed, faultProbability: 0.3, faultsMax: 20, delayMsMax: 50 });
      const faulty = storeAt(proxy.endpoint);
      try {
        const target = join(await directory(), 'data');
        const outcome = await restore(await planFromStore(direct, backup.checkpointId), faulty, target).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        console.log(
          `seed ${seed}: ${JSON.stringify(proxy.injected)}, forwarded ${proxy.forwarded.count}, ${outcome === undefined ? 'restored' : isCutlineError(outcome) ? outcome.code : 'not a CutlineError'}`,
        );
        const injected = Object.values(proxy.injected).reduce((sum, count) => sum + count, 0);
        expect(injected, JSON.stringify(proxy.injected)).toBeGreaterThan(0);
        if (outcome === undefined) expect(filesOf(target)).toEqual(filesOf(clean));
        else {
          expect(isCutlineError(outcome) ? outcome.code : outcome).toEqual(expect.any(String));
          expect((await entriesOf(target)) ?? []).toEqual([]);
        }
      } finally {
        faulty.destroy();
        await proxy.close();
      }
    }, 120_000);
  }
  for (const seed of [7, 8, 9]) {
    it(`seed ${seed}: verify-backup at level full reports what it reports on the direct endpoint, or fails with a CutlineError`, async () => {
      const expected = await verifyBackup(direct, backup.checkpointId, { level: 'full' });
      const proxy = await startFaultProxy(server.endpoint, { seed, faultProbability: 0.3, faultsMax: 20, delayMsMax: 50 });
      const faulty = storeAt(proxy.endpoint);
      try {
        const outcome = await verifyBackup(faulty, backup.checkpointId, { level: 'full' }).catch((caught: unknown) => caught);
        expect(
          Object.values(proxy.injected).reduce((sum, count) => sum + count, 0),
          JSON.stringify(proxy.injected),
        ).toBeGreaterThan(0);
        if (isCutlineError(outcome)) expect(outcome.code).toEqual(expect.any(String));
        else expect(outcome).toEqual(expected);
      } finally {
        faulty.destroy();
        await proxy.close();
      }
    }, 120_000);
  }
  for (const [seed, kinds] of [
    [21, ['internal-error', 'slow-down']],
    [22, ['truncated-body', 'reset-response']],
    [23, ['reset-request', 'internal-error', 'truncated-body']],
  ] as const) {
    it(`seed ${seed}: GETs of backup contents failing past the retries (${kinds.join(', ')}) fail the restore with STORE_UNAVAILABLE, the target left as found`, async () => {
      const plan = await planFromStore(direct, backup.checkpointId);
      const isContentGet = (method: string, path: string): boolean => method === 'GET' && /\/cluster-a\/(chunks|contents)\//.test(path);
      const proxy = await startFaultProxy(server.endpoint, {
        seed,
        faultProbability: 1,
        faultsMax: Infinity,
        delayMsMax: 0,
        kinds,
        matches: isContentGet,
        passFirst: 2,
      });
      const faulty = storeAt(proxy.endpoint);
      try {
        const parent = await directory();
        const absent = join(parent, 'absent');
        const empty = join(parent, 'empty');
        await mkdir(empty);
        for (const target of [absent, empty]) {
          const outcome = await restore(plan, faulty, target).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(isCutlineError(outcome) ? outcome.code : outcome, target).toBe('STORE_UNAVAILABLE');
        }
        expect(await entriesOf(absent)).toBeUndefined();
        expect(await entriesOf(empty)).toEqual([]);
        expect(await readdir(parent)).toEqual(['empty']);
      } finally {
        faulty.destroy();
        await proxy.close();
      }
    }, 60_000);
  }
  for (const [seed, what] of [
    [24, 'manifests'],
    [25, 'chunks'],
  ] as const) {
    it(`seed ${seed}: GETs of ${what} failing past the retries fail verify-backup with STORE_UNAVAILABLE, never a report of a broken backup`, async () => {
      const isGet = (method: string, path: string): boolean => method === 'GET' && path.includes(`/cluster-a/${what}/`);
      const proxy = await startFaultProxy(server.endpoint, {
        seed,
        faultProbability: 1,
        faultsMax: Infinity,
        delayMsMax: 0,
        matches: isGet,
        passFirst: 1,
        kinds: ['internal-error', 'reset-request', 'truncated-body'],
      });
      const faulty = storeAt(proxy.endpoint);
      try {
        const outcome = await verifyBackup(faulty, backup.checkpointId, { level: 'full' }).catch((caught: unknown) => caught);
        expect(isCutlineError(outcome) ? outcome.code : outcome).toBe('STORE_UNAVAILABLE');
      } finally {
        faulty.destroy();
        await proxy.close();
      }
    }, 60_000);
  }
});
