// Restore from a real S3-speaking server (s3rver on loopback): ranged GETs in parallel, then the engine resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { S3BackupStore } from '../../src/store/s3-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { isCutlineError } from '../../src/errors.js';
import { FaultInjectingBackupStore } from '../support/fault-injecting-backup-store.js';
import { openTestCluster } from '../engine/helpers.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { produceEngineBackup, settle, type EngineBackup } from './engine-backup.js';
import { entriesOf, planFromStore, restore } from './restore-helpers.js';

const directory = temporaryDirectories('restore-s3');
let server: LoopbackS3;
let store: S3BackupStore;
let backup: EngineBackup;

beforeAll(async () => {
  server = await startLoopbackS3();
  store = new S3BackupStore({
    bucket: server.bucket,
    prefix: 'cluster-a',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    random: new SeededRandom(1),
  });
  backup = await produceEngineBackup(store, { seed: 31, partitionCount: 2, instances: 40 });
});
afterAll(async () => {
  store.destroy();
  await server.close();
});

describe('restore from S3 (s3rver)', () => {
  it('restores every partition to its cut with ranged GETs, and the engine resumes', async () => {
    const target = join(await directory(), 'data');
    const result = await restore(await planFromStore(store, backup.checkpointId), store, target);
    expect(result.status).toBe('restored');
    const running = openTestCluster(5, { dataDirectory: target, partitionCount: 2 });
    try {
      for (const partition of running.cluster.partitions()) {
        const cut = backup.cuts.get(partition.partitionId);
        expect(partition.state().checkpointPosition).toBe(cut?.position);
        expect(partition.dumpState().instances).toEqual(cut?.state.instances);
      }
      settle(running);
      const instances = running.cluster.partitions().flatMap((partition) => (partition.dumpState().instances ?? []) as { state: string }[]);
      expect(instances.filter((row) => row.state !== 'COMPLETED')).toEqual([]);
    } finally {
      running.cluster.close();
    }
  });

  it('fails with the chunk error on a corrupted download and leaves the target as found', async () => {
    const corrupting = new FaultInjectingBackupStore(store, new SeededRandom(2), {
      corruptProbability: 1,
      operations: ['get'],
      keyPrefix: 'chunks/1/',
    });
    const target = await directory();
    const error = await restore(await planFromStore(store, backup.checkpointId), corrupting, target).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isCutlineError(error) ? error.code : error).toBe('CHUNK_CORRUPT');
    expect(await entriesOf(target)).toEqual([]);
  });
});
