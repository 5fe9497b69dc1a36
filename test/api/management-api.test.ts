// Every route of the management API over real HTTP, against a real cluster, manager and filesystem store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupApiService } from '../../src/api/backup-api-service.js';
import { startManagementApi, type ManagementApi } from '../../src/api/management-api.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { listAll } from '../../src/store/backup-store.js';
import { contentsKeyPrefix } from '../../src/backup/backup-layout.js';
import { createManifest } from '../../src/backup/manifest-store.js';
import { newManifest } from '../../src/backup/manifest.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { driveToQuiet, openBackupTestCluster, type BackupTestCluster } from '../support/backup-fixtures.js';
import { descriptor } from '../backup/manifest-fixture.js';
import { eventually } from '../support/eventually.js';

const freshDirectory = temporaryDirectories('api');
let engine: BackupTestCluster;
let api: ManagementApi;
let pump: NodeJS.Timeout;

beforeAll(async () => {
  engine = openBackupTestCluster(21, new FileSystemBackupStore(await freshDirectory()));
  await engine.manager.start(engine.cluster);
  engine.scheduler.run(300);
  // The engine keeps processing while the tests talk to it, as `engine start` does.
  pump = setInterval(() => driveToQuiet(engine.cluster), 2);
  api = await startManagementApi(new BackupApiService(engine.cluster, engine.manager), 0);
});
afterAll(async () => {
  clearInterval(pump);
  await api.close();
  await engine.manager.close();
  engine.cluster.close();
});

async function request(method: string, path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`, { method, ...(body === undefined ? {} : { body }) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function waitForStatus(backupId: number, wanted: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const { json } = await request('GET', `/backups/${backupId}`);
    return json.status === wanted ? json : undefined;
  });
}

describe('the management API', () => {
  it('POST /backups takes a backup with the given id; GET /backups/{id} follows it to COMPLETED on every partition', async () => {
    const taken = await request('POST', '/backups', JSON.stringify({ backupId: 5 }));
    expect(taken).toEqual({ status: 202, json: { backupId: 5 } });
    const status = await waitForStatus(5, 'COMPLETED');
    expect((status.partitions as { partitionId: number; status: string }[]).map((p) => [p.partitionId, p.status])).toEqual([
      [1, 'COMPLETED'],
      [2, 'COMPLETED'],
      [3, 'COMPLETED'],
    ]);
    expect(status).toMatchObject({ backupId: 5, failureReason: null, partitionCount: 3, missingPartitionIds: [], pendingPartitionIds: [] });
  });

  it('refuses an id that is not greater than every earlier one with 409 BACKUP_ID_CONFLICT', async () => {
    for (const backupId of [5, 4, 1]) {
      const refused = await request('POST', '/backups', JSON.stringify({ backupId }));
      expect(refused.status).toBe(409);
      expect(refused.json.code).toBe('BACKUP_ID_CONFLICT');
      expect(refused.json.message).toContain(`backup id ${backupId} is not greater than 5`);
    }
  });

  it('generates an id from the clock when the body is empty, and lists backups newest first', async () => {
    const taken = await request('POST', '/backups');
    expect(taken.status).toBe(202);
    const generated = taken.json.backupId as number;
    expect(generated).toBe(engine.clock.nowMs());
    await waitForStatus(generated, 'COMPLETED');
    const listed = await request('GET', '/backups');
    expect(listed.status).toBe(200);
    expect((listed.json.backups as { backupId: number; status: string }[]).map((b) => [b.backupId, b.status])).toEqual([
      [generated, 'COMPLETED'],
      [5, 'COMPLETED'],
    ]);
  });

  it('GET /backups/state shows each partition checkpoint and latest confirmed backup', async () => {
    const { status, json } = await request('GET', '/backups/state');
    expect(status).toBe(200);
    const partitions = json.partitions as {
      partitionId: number;
      checkpoint: { checkpointType: string };
      latestBackup: { status: string; checkpointId: number };
    }[];
    expect(partitions.map((p) => p.partitionId)).toEqual([1, 2, 3]);
    for (const partition of partitions) {
      expect(partition.checkpoint.checkpointType).toBe('MANUAL_BACKUP');
      expect(partition.latestBackup.status).toBe('COMPLETED');
    }
  });

  it('DELETE /backups/{id} marks every manifest DELETED and removes the contents; the id stays refused', async () => {
    const listed = await request('GET', '/backups');
    const newest = (listed.json.backups as { backupId: number }[])[0]?.backupId ?? 0;
    const deleted = await request('DELETE', `/backups/${newest}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json.status).toBe('DELETED');
    for (const partitionId of [1, 2, 3]) {
      expect(await listAll(engine.store, contentsKeyPrefix({ partitionId, checkpointId: newest, nodeId: 0 }))).toEqual([]);
    }
    expect((await request('GET', `/backups/${newest}`)).json.status).toBe('DELETED');
    const again = await request('POST', '/backups', JSON.stringify({ backupId: newest }));
    expect([again.status, again.json.code]).toEqual([409, 'BACKUP_ID_CONFLICT']);
    expect((await request('DELETE', `/backups/${newest}`)).status).toBe(200);
  });

  it('refuses to delete a backup still IN_PROGRESS with 409 BACKUP_IN_PROGRESS', async () => {
    await createManifest(
      engine.store,
      newManifest({ partitionId: 2, checkpointId: 900, nodeId: 0 }, descriptor({ partitionCount: 3 }), engine.clock),
    );
    const refused = await request('DELETE', '/backups/900');
    expect([refused.status, refused.json.code]).toEqual([409, 'BACKUP_IN_PROGRESS']);
    expect(refused.json.message).toBe('backup 900 is still being taken on partition(s) 2');
    expect((await request('GET', '/backups/900')).json).toMatchObject({ status: 'INCOMPLETE', missingPartitionIds: [1, 3] });
  });

  it.each([
    ['GET', '/backups/abc', undefined, 400, 'USAGE', '"abc" is not a backup id (a positive integer)'],
    ['GET', '/backups/0', undefined, 400, 'USAGE', '"0" is not a backup id (a positive integer)'],
    ['GET', '/backups/123', undefined, 404, 'BACKUP_NOT_FOUND', 'backup 123 does not exist'],
    ['DELETE', '/backups/123', undefined, 404, 'BACKUP_NOT_FOUND', 'no partition has a manifest for backup 123'],
    ['POST', '/backups', '{not json', 400, 'USAGE', 'the request body is not valid JSON'],
    ['POST', '/backups', '[1]', 400, 'USAGE', 'the request body must be a JSON object'],
    ['POST', '/backups', '{"backupId": "7"}', 400, 'USAGE', 'backupId must be a number, got "7"'],
    ['POST', '/backups', '{"backupId": 1.5}', 400, 'USAGE', 'a backup id must be a positive integer, got 1.5'],
    ['POST', '/backups', '{"id": 7}', 400, 'USAGE', 'unknown field(s) in the request body: id'],
    ['POST', '/backups', `{"pad": "${'x'.repeat(70_000)}"}`, 413, 'LIMIT_EXCEEDED', 'larger than apiRequestBytesMax'],
    ['PUT', '/backups', undefined, 404, 'API_NOT_FOUND', 'no route PUT /backups; it answers GET, POST'],
    ['POST', '/backups/state', undefined, 404, 'API_NOT_FOUND', 'no route POST /backups/state; it answers GET'],
    ['POST', '/backups/5', undefined, 404, 'API_NOT_FOUND', 'no route POST /backups/5; it answers GET, DELETE'],
    ['GET', '/stats', undefined, 404, 'API_NOT_FOUND', 'no route GET /stats'],
  ])('%s %s answers %i %s', async (method, path, body, status, code, message) => {
    const answer = await request(method, path, body);
    expect(answer.status).toBe(status);
    expect(answer.json.code).toBe(code);
    expect(answer.json.message).toContain(message);
  });
});
