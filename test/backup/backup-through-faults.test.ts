// Backups taken to s3rver through a proxy injecting seeded HTTP faults, fewer than a request's attempts: they complete, verify, and restore byte-identical to a backup taken without faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { readBackupFileBytes } from '../../src/backup/backup-file.js';
import { listBackupManifests, uploadBackup } from '../../src/backup/manifest-store.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { produceEngineBackup, type EngineBackup } from '../restore/engine-backup.js';
import { planFromStore, restore } from '../restore/restore-helpers.js';
import { withoutCommandIndexes } from '../support/format-v1.js';
import { faultStore, filesOf, injectedCount } from '../support/fault-stores.js';

const directory = temporaryDirectories('backup-faults');
/** At most this many faults in all, so that no request fails on every one of its attempts (faultsMax + 1). */
const faultsMax = 8;
const engine = { seed: 31, partitionCount: 2, instances: 40 };
let server: LoopbackS3;
let clean: EngineBackup;
let cleanFiles: Map<string, string>;

async function restoredFiles(prefix: string, backupId: number): Promise<Map<string, string>> {
  const store = faultStore(server, server.endpoint, prefix);
  try {
    const target = join(await directory(), 'data');
    expect((await restore(await planFromStore(store, backupId), store, target)).status).toBe('restored');
    return filesOf(target);
  } finally {
    store.destroy();
  }
}

/** verify-backup --level full over the direct endpoint: the list of findings, as `code: message`. */
async function findingsOf(prefix: string, backupId: number): Promise<string[]> {
  const store = faultStore(server, server.endpoint, prefix);
  try {
    return (await verifyBackup(store, backupId, { level: 'full' })).findings.map((finding) => `${finding.code}: ${finding.message}`);
  } finally {
    store.destroy();
  }
}

async function withProxy<T>(
  seed: number,
  prefix: string,
  run: (store: ReturnType<typeof faultStore>, proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startFaultProxy(server.endpoint, { seed, faultProbability: 0.3, faultsMax, delayMsMax: 50 });
  const store = faultStore(server, proxy.endpoint, prefix, faultsMax + 1);
  try {
    const result = await run(store, proxy);
    console.log(`seed ${seed} (${prefix}): ${JSON.stringify(proxy.injected)}, forwarded ${proxy.forwarded.count}`);
    // A run the proxy did not disturb would prove nothing.
    expect(injectedCount(proxy), JSON.stringify(proxy.injected)).toBeGreaterThan(0);
    return result;
  } finally {
    store.destroy();
    await proxy.close();
  }
}

beforeAll(async () => {
  server = await startLoopbackS3();
  const store = faultStore(server, server.endpoint, 'clean');
  try {
    clean = await produceEngineBackup(store, engine);
  } finally {
    store.destroy();
  }
  cleanFiles = await restoredFiles('clean', clean.checkpointId);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('a backup taken through bounded HTTP faults', () => {
  for (const seed of [2, 3, 4]) {
    it(`seed ${seed}, format v2 (the backup manager): COMPLETED, verifies at level full, restores byte-identical to a backup without faults`, async () => {
      const prefix = `v2-${seed}`;
      // The same seeded engine run as the clean backup, so the backups hold the same bytes.
      const taken = await withProxy(seed, prefix, (store) => produceEngineBackup(store, engine));
      expect(taken.manifests.map((manifest) => [manifest.id.partitionId, manifest.status, manifest.formatVersion])).toEqual([
        [1, 'COMPLETED', 3],
        [2, 'COMPLETED', 3],
      ]);
      expect(taken.manifests.map((manifest) => manifest.files)).toEqual(clean.manifests.map((manifest) => manifest.files));
      expect(await findingsOf(prefix, taken.checkpointId)).toEqual([]);
      expect(await restoredFiles(prefix, taken.checkpointId)).toEqual(cleanFiles);
    }, 60_000);
  }
  for (const seed of [5, 6]) {
    it(`seed ${seed}, format v1 (streaming uploads of whole files): COMPLETED, verifies at level full, restores byte-identical`, async () => {
      const prefix = `v1-${seed}`;
      const direct = faultStore(server, server.endpoint, 'clean');
      const sources = await Promise.all(
        clean.manifests.map(async (manifest) => ({
          manifest,
          files: await Promise.all(
            withoutCommandIndexes(manifest).map(async (file) => {
              const bytes = await readBackupFileBytes(direct, manifest.id, file);
              return { path: file.path, body: { sizeBytes: bytes.length, open: () => Readable.from([bytes]) } };
            }),
          ),
        })),
      );
      direct.destroy();
      await withProxy(seed, prefix, async (store) => {
        for (const { manifest, files } of sources)
          await uploadBackup(store, manifest.id, manifest.descriptor, files, new ManualClock(0), {});
      });
      const check = faultStore(server, server.endpoint, prefix);
      const manifests = await listBackupManifests(check, clean.checkpointId).finally(() => check.destroy());
      expect(manifests.map((manifest) => [manifest.id.partitionId, manifest.status, manifest.formatVersion])).toEqual([
        [1, 'COMPLETED', 1],
        [2, 'COMPLETED', 1],
      ]);
      expect(await findingsOf(prefix, clean.checkpointId)).toEqual([]);
      // The same data; only the completion marker differs, as it names the plan (v1 has no command indexes to download).
      const withoutMarker = (files: Map<string, string>): Map<string, string> =>
        new Map([...files].filter(([path]) => path !== '.cutline-restore.json'));
      expect(withoutMarker(await restoredFiles(prefix, clean.checkpointId))).toEqual(withoutMarker(cleanFiles));
    }, 60_000);
  }
});
