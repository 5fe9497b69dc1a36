// GET /health and GET /backups/state show a store that refuses the engine, and its recovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupApiService } from '../../src/api/backup-api-service.js';
import { ManualClock } from '../../src/clock.js';
import { startManagementApi, type ManagementApi } from '../../src/api/management-api.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { HealthTrackingBackupStore, StoreHealth } from '../../src/store/store-health.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { openBackupTestCluster, type BackupTestCluster } from '../support/backup-fixtures.js';
import { DenyingStore } from '../support/denying-store.js';

const freshDirectory = temporaryDirectories('api-health');
let engine: BackupTestCluster;
let api: ManagementApi;
let denying: DenyingStore;

beforeAll(async () => {
  denying = new DenyingStore(new FileSystemBackupStore(await freshDirectory()));
  const health = new StoreHealth(new ManualClock(1_700_000_000_000));
  engine = openBackupTestCluster(23, new HealthTrackingBackupStore(denying, health));
  api = await startManagementApi(new BackupApiService(engine.cluster, engine.manager, undefined, health), 0);
});
afterAll(async () => {
  await api.close();
  await engine.manager.close();
  engine.cluster.close();
});

async function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('GET /health', () => {
  it('is unknown before the first store call, healthy after one, degraded while the store refuses calls, and ok again after', async () => {
    expect((await get('/health')).json).toEqual({
      status: 'ok',
      store: { status: 'unknown', since: null, lastErrorCode: null, lastError: null, failedCalls: 0, lastSuccessAt: null },
    });
    await engine.manager.start(engine.cluster);
    expect((await get('/health')).json).toMatchObject({
      status: 'ok',
      store: { status: 'healthy', failedCalls: 0, lastSuccessAt: '2023-11-14T22:13:20.000Z' },
    });

    denying.denying = true;
    for (let attempt = 0; attempt < 3; attempt++) expect((await get('/backups')).json).toMatchObject({ code: 'STORE_ACCESS_DENIED' });
    const degraded = await get('/health');
    expect(degraded.status).toBe(200);
    expect(degraded.json).toMatchObject({
      status: 'degraded',
      store: {
        status: 'unhealthy',
        lastErrorCode: 'STORE_ACCESS_DENIED',
        lastError: expect.stringContaining('access denied') as unknown,
        failedCalls: 3,
      },
    });
    expect((await get('/backups/state')).json.store).toMatchObject({ status: 'unhealthy', lastErrorCode: 'STORE_ACCESS_DENIED' });

    denying.denying = false;
    expect((await get('/backups')).status).toBe(200);
    // The last error stays visible after the recovery, for whoever looks later.
    expect((await get('/health')).json).toMatchObject({
      status: 'ok',
      store: { status: 'healthy', failedCalls: 0, lastErrorCode: 'STORE_ACCESS_DENIED' },
    });
  });

  it('counts a missing object as an answer, not a failure', async () => {
    expect((await get('/backups/424242')).json).toMatchObject({ code: 'BACKUP_NOT_FOUND' });
    expect((await get('/health')).json).toMatchObject({ status: 'ok', store: { status: 'healthy' } });
  });
});
