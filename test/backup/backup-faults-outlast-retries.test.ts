// A backup to s3rver whose chunk uploads keep failing behind the fault proxy: FAILED with STORE_UNAVAILABLE, nothing uploaded after, the next retention run deletes it and collects its orphans, and the next backup is whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../src/store/backup-store.js';
import { Readable } from 'node:stream';
import { listBackupManifests, uploadBackup } from '../../src/backup/manifest-store.js';
import { deleteBackup } from '../../src/backup/backup-deletion.js';
import { ConcurrencyLimiter } from '../../src/concurrency-limiter.js';
import { ManualClock } from '../../src/clock.js';
import { isCutlineError } from '../../src/errors.js';
import { SeededRandom } from '../../src/random.js';
import { descriptor } from './manifest-fixture.js';
import { runRetention } from '../../src/backup/retention.js';
import { chunkPartitionPrefix, parseChunkKey } from '../../src/backup/chunk-format.js';
import { Workload } from '../../src/engine/workload.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { startFaultProxy, type FaultKind } from '../support/fault-proxy.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { faultStore } from '../support/fault-stores.js';
import { openBackupTestCluster, takeBackupAndWait } from '../support/backup-fixtures.js';
import { settle } from '../restore/engine-backup.js';
import { eventually } from '../support/eventually.js';

let server: LoopbackS3;
beforeAll(async () => {
  server = await startLoopbackS3();
});
afterAll(async () => {
  await server.close();
});

/**
 * While `failing` is on: the fourth chunk PUT of each partition fails on every attempt (`fault`), and every
 * other chunk PUT is delayed longer than those attempts take, so that uploads are running when the backup gives up.
 */
function chunkScript(fault: FaultKind): { failing: boolean; decide: (method: string, path: string) => FaultKind | undefined } {
  const seen = new Map<string, number>();
  const doomed = new Set<string>();
  const script = {
    failing: true,
    decide: (method: string, path: string): FaultKind | undefined => {
      const partition = /\/chunks\/(\d+)\//.exec(path)?.[1];
      if (!script.failing || method !== 'PUT' || partition === undefined) return undefined;
      const count = (seen.get(partition) ?? 0) + 1;
      seen.set(partition, count);
      if (count === 4) doomed.add(path);
      return doomed.has(path) ? fault : 'delay';
    },
  };
  return script;
}

async function storedChunks(store: ReturnType<typeof faultStore>, partitionId: number): Promise<string[]> {
  return (await listAll(store, chunkPartitionPrefix(partitionId))).map((entry) => parseChunkKey(entry.key)?.sha256 ?? entry.key).sort();
}

describe('a backup whose chunk uploads fail on every attempt', () => {
  for (const [seed, fault] of [
    [41, 'internal-error'],
    [42, 'reset-request'],
  ] as const) {
    it(`seed ${seed}, ${fault}: FAILED with STORE_UNAVAILABLE, no upload after, retention deletes it and collects its chunks, the next backup completes and verifies`, async () => {
      const prefix = `outlast-${seed}`;
      const script = chunkScript(fault);
      const proxy = await startFaultProxy(server.endpoint, {
        seed,
        faultProbability: 1,
        faultsMax: Infinity,
        delayMsMin: 800,
        delayMsMax: 1200,
        decide: script.decide,
      });
      const store = faultStore(server, proxy.endpoint, prefix, 3);
      const direct = faultStore(server, server.endpoint, prefix);
      const opened = openBackupTestCluster(seed, store, { partitionCount: 2 });
      try {
        await opened.manager.start(opened.cluster);
        const workload = new Workload(opened.cluster, opened.random);
        for (let index = 0; index < 60; index++) workload.createOne();
        settle(opened);
        const failed = await takeBackupAndWait(opened.cluster, opened.manager, 1);
        expect(failed.partitions.map((partition) => [partition.partitionId, partition.status])).toEqual([
          [1, 'FAILED'],
          [2, 'FAILED'],
        ]);
        // Declared FAILED (and settled) only once nothing of the backup is still on its way to the store.
        expect(proxy.requests.inFlight).toBe(0);
        expect((await listBackupManifests(direct, 1)).map((manifest) => manifest.status)).toEqual(['FAILED', 'FAILED']);
        const reasons = opened.manager.outcomes
          .filter((outcome) => outcome.checkpointId === 1)
          .map((outcome) => [outcome.partitionId, outcome.status, outcome.reason?.split(':')[0]]);
        expect(reasons.sort()).toEqual([
          [1, 'FAILED', 'STORE_UNAVAILABLE'],
          [2, 'FAILED', 'STORE_UNAVAILABLE'],
        ]);
        // The failed backup stored some chunks (three per partition at least): orphans, which one collection removes.
        const orphans = [await storedChunks(direct, 1), await storedChunks(direct, 2)];
        expect(orphans.map((list) => list.length >= 3)).toEqual([true, true]);
        // The next retention run, through the proxy still failing chunk PUTs (it only deletes), deletes the
        // FAILED backup and collects its chunks.
        opened.clock.advance(10_000);
        const deleted: number[] = [];
        const retention = await runRetention({
          store,
          clock: opened.clock,
          windowMs: 1_000,
          partitionCount: 2,
          onDeleted: (id) => deleted.push(id),
        });
        expect([retention.deleted, retention.failed, deleted]).toEqual([[1], [], [1]]);
        // Uploads of the failed backup that were still running must not land after it was declared FAILED.
        await proxy.quiet(300);
        expect([await storedChunks(direct, 1), await storedChunks(direct, 2)]).toEqual([[], []]);
        expect((await listBackupManifests(direct, 1)).map((manifest) => manifest.status)).toEqual(['DELETED', 'DELETED']);

        script.failing = false;
        for (let index = 0; index < 20; index++) workload.createOne();
        settle(opened);
        const next = await takeBackupAndWait(opened.cluster, opened.manager, 2);
        expect(next.partitions.map((partition) => [partition.partitionId, partition.status])).toEqual([
          [1, 'COMPLETED'],
          [2, 'COMPLETED'],
        ]);
        expect((await verifyBackup(direct, 2, { level: 'full' })).findings).toEqual([]);
      } finally {
        await opened.manager.close();
        opened.cluster.close();
        store.destroy();
        direct.destroy();
        await proxy.close();
      }
    }, 60_000);
  }
});

describe('a format v1 backup whose content uploads fail on every attempt', () => {
  it('fails with STORE_UNAVAILABLE, leaves a FAILED manifest and never a COMPLETED one, and `backup delete` removes what it stored', async () => {
    const prefix = 'outlast-v1';
    const isContentPut = (method: string, path: string): boolean => method === 'PUT' && path.includes(`/${prefix}/contents/`);
    const proxy = await startFaultProxy(server.endpoint, {
      seed: 43,
      faultProbability: 1,
      faultsMax: Infinity,
      delayMsMax: 0,
      matches: isContentPut,
      passFirst: 2,
      kinds: ['internal-error', 'reset-request', 'slow-down'],
    });
    const store = faultStore(server, proxy.endpoint, prefix, 3);
    const direct = faultStore(server, server.endpoint, prefix);
    try {
      const random = new SeededRandom(43);
      const files = Array.from({ length: 8 }, (_, index) => {
        const bytes = Buffer.from(Array.from({ length: 20_000 }, () => random.int(256)));
        return {
          path: `segments/${String(index + 1).padStart(8, '0')}.log`,
          body: { sizeBytes: bytes.length, open: () => Readable.from([bytes]) },
        };
      });
      const id = { partitionId: 1, checkpointId: 7, nodeId: 0 };
      const clock = new ManualClock(1_800_000_000_000);
      const outcome = await uploadBackup(store, id, descriptor({ partitionCount: 1 }), files, clock, {
        limiter: new ConcurrencyLimiter(3),
      }).catch((caught: unknown) => caught);
      expect(isCutlineError(outcome) ? outcome.code : outcome).toBe('STORE_UNAVAILABLE');
      expect(
        (await listBackupManifests(direct, 7)).map((manifest) => [
          manifest.status,
          manifest.failureReason?.startsWith('cannot put contents/'),
        ]),
      ).toEqual([['FAILED', true]]);
      expect((await listAll(direct, 'contents/')).length).toBeGreaterThanOrEqual(2);
      await deleteBackup(direct, 7, clock);
      await proxy.quiet(200);
      expect((await listBackupManifests(direct, 7)).map((manifest) => manifest.status)).toEqual(['DELETED']);
      expect(await listAll(direct, 'contents/')).toEqual([]);
    } finally {
      store.destroy();
      direct.destroy();
      await proxy.close();
    }
  }, 60_000);
});

describe('a backup whose every PUT fails once its intent is written, the FAILED manifest too', () => {
  it('ends FAILED in the store once the store answers again, without a restart, so retention deletes it and collects its chunks', async () => {
    const prefix = 'outlast-all-puts';
    let failing = true;
    const puts = new Map<string, number>();
    // Per partition the create-only manifest write, the intent (the chunk list) and two chunks pass; every later PUT fails.
    const decide = (method: string, path: string): FaultKind | undefined => {
      const [, kind, partitionId] = /\/(manifests|chunks)\/(\d+)\//.exec(path) ?? [];
      if (!failing || method !== 'PUT' || kind === undefined) return undefined;
      const key = `${kind}/${partitionId}`;
      puts.set(key, (puts.get(key) ?? 0) + 1);
      return (puts.get(key) ?? 0) <= 2 ? undefined : 'internal-error';
    };
    const proxy = await startFaultProxy(server.endpoint, { seed: 44, faultProbability: 1, faultsMax: Infinity, delayMsMax: 0, decide });
    const store = faultStore(server, proxy.endpoint, prefix, 3);
    const direct = faultStore(server, server.endpoint, prefix);
    const opened = openBackupTestCluster(44, store, { partitionCount: 2 }, { reconcileRetryMs: 50, log: () => undefined });
    try {
      await opened.manager.start(opened.cluster);
      const workload = new Workload(opened.cluster, opened.random);
      for (let index = 0; index < 40; index++) workload.createOne();
      settle(opened);
      await opened.manager.takeBackup(1);
      for (let round = 0; round < 50 && opened.manager.outcomes.length < 2; round++) {
        settle(opened);
        await opened.manager.settled();
      }
      expect(opened.manager.outcomes.map((outcome) => [outcome.partitionId, outcome.status, outcome.reason?.split(':')[0]]).sort()).toEqual(
        [
          [1, 'FAILED', 'STORE_UNAVAILABLE'],
          [2, 'FAILED', 'STORE_UNAVAILABLE'],
        ],
      );
      // The FAILED writes failed too: the store still says IN_PROGRESS, which retention keeps and `backup delete` refuses.
      expect((await listBackupManifests(direct, 1)).map((manifest) => manifest.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);
      failing = false;
      // Waits, as long as it takes, for the manager to finish what the failing store kept it from.
      const statuses = await eventually(async () => {
        const now = (await listBackupManifests(direct, 1)).map((manifest) => manifest.status);
        return now.every((status) => status === 'FAILED') ? now : undefined;
      }, 100);
      expect(statuses).toEqual(['FAILED', 'FAILED']);
      expect((await storedChunks(direct, 1)).length + (await storedChunks(direct, 2)).length).toBeGreaterThan(0);
      opened.clock.advance(10_000);
      const retention = await runRetention({ store, clock: opened.clock, windowMs: 1_000, partitionCount: 2, onDeleted: () => undefined });
      expect([retention.deleted, retention.failed]).toEqual([[1], []]);
      expect([await storedChunks(direct, 1), await storedChunks(direct, 2)]).toEqual([[], []]);
    } finally {
      await opened.manager.close();
      opened.cluster.close();
      store.destroy();
      direct.destroy();
      await proxy.close();
    }
  }, 60_000);
});
