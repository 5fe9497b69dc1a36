// GET /metrics over real HTTP, against a real cluster, manager and filesystem store (behind a store that can refuse calls).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupApiService } from '../../src/api/backup-api-service.js';
import { startManagementApi, type ManagementApi } from '../../src/api/management-api.js';
import { ManualClock } from '../../src/clock.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { HealthTrackingBackupStore, StoreHealth } from '../../src/store/store-health.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { driveToQuiet, openBackupTestCluster, type BackupTestCluster } from '../support/backup-fixtures.js';
import { DenyingStore } from '../support/denying-store.js';
import { eventually } from '../support/eventually.js';

const freshDirectory = temporaryDirectories('api-metrics');
let engine: BackupTestCluster;
let api: ManagementApi;
let denying: DenyingStore;
let pump: NodeJS.Timeout;

beforeAll(async () => {
  denying = new DenyingStore(new FileSystemBackupStore(await freshDirectory()));
  const health = new StoreHealth(new ManualClock(1_700_000_000_000));
  engine = openBackupTestCluster(29, new HealthTrackingBackupStore(denying, health));
  engine.scheduler.run(300);
  pump = setInterval(() => driveToQuiet(engine.cluster), 2);
  api = await startManagementApi(new BackupApiService(engine.cluster, engine.manager, undefined, health), 0);
});
afterAll(async () => {
  clearInterval(pump);
  await api.close();
  await engine.manager.close();
  engine.cluster.close();
});

/** The samples of a scrape by series (`name{labels}`), after checking the text is well-formed exposition format. */
async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${api.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  expect(text.endsWith('\n')).toBe(true);
  const samples = new Map<string, number>();
  const described = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const comment = /^# (HELP|TYPE) ([a-z_]+) (.+)$/.exec(line);
    if (comment !== null) {
      if (comment[1] === 'TYPE') expect(['counter', 'gauge']).toContain(comment[3]);
      described.add(`${comment[1]} ${comment[2]}`);
      continue;
    }
    const sample = /^([a-z_]+)(\{[a-z_]+="[^"]*"(?:,[a-z_]+="[^"]*")*\})? (-?[0-9]+(?:\.[0-9]+)?)$/.exec(line);
    expect(sample, line).not.toBeNull();
    const name = sample?.[1] ?? '';
    expect(described.has(`HELP ${name}`) && described.has(`TYPE ${name}`), `${name} has HELP and TYPE before its samples`).toBe(true);
    samples.set(`${name}${sample?.[2] ?? ''}`, Number(sample?.[3]));
  }
  return samples;
}

async function waitForStatus(backupId: number, wanted: string): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`${api.url}/backups/${backupId}`);
    return ((await response.json()) as { status?: string }).status === wanted;
  });
}

describe('GET /metrics', () => {
  it('counts backups, bytes, checkpoints and store errors per partition, and the age of the newest completed backup', async () => {
    const before = await scrape();
    for (const partition of [1, 2, 3]) {
      expect(before.get(`cutline_backups_completed_total{partition="${partition}"}`)).toBe(0);
      expect(before.get(`cutline_backups_in_progress{partition="${partition}"}`)).toBe(0);
      expect(before.has(`cutline_backup_last_completed_age_seconds{partition="${partition}"}`)).toBe(false);
    }
    // No store call yet: the store is neither up nor down.
    expect([...before.keys()].some((series) => series.startsWith('cutline_store_up'))).toBe(false);

    await engine.manager.start(engine.cluster);
    await fetch(`${api.url}/backups`, { method: 'POST', body: JSON.stringify({ backupId: 7 }) });
    await waitForStatus(7, 'COMPLETED');
    const after = await scrape();
    expect(after.get('cutline_store_up')).toBe(1);
    for (const partition of [1, 2, 3]) {
      const series = (name: string) => after.get(`${name}{partition="${partition}"}`);
      expect(series('cutline_backups_completed_total')).toBe(1);
      expect(series('cutline_backups_failed_total')).toBe(0);
      expect(series('cutline_backup_uploaded_bytes_total')).toBeGreaterThan(0);
      expect(series('cutline_checkpoint_id')).toBe(7);
      expect(series('cutline_checkpoint_position')).toBeGreaterThan(0);
      expect(series('cutline_processed_position')).toBeGreaterThanOrEqual(series('cutline_checkpoint_position') ?? Infinity);
      expect(series('cutline_backup_last_completed_timestamp_seconds')).toBeGreaterThan(0);
      expect(series('cutline_backup_last_completed_age_seconds')).toBeGreaterThanOrEqual(0);
    }

    // The store refuses everything: a backup checkpoint's uploads fail on every partition.
    denying.denying = true;
    engine.cluster.triggerCheckpoint(8, 'MANUAL_BACKUP');
    const refused = await eventually(async () => {
      const samples = await scrape();
      return [1, 2, 3].every((partition) => samples.get(`cutline_backups_failed_total{partition="${partition}"}`) === 1)
        ? samples
        : undefined;
    });
    denying.denying = false;
    expect(refused.get('cutline_store_up')).toBe(0);
    expect(refused.get('cutline_store_errors_total{code="STORE_ACCESS_DENIED"}')).toBeGreaterThanOrEqual(3);
    for (const partition of [1, 2, 3]) expect(refused.get(`cutline_backups_completed_total{partition="${partition}"}`)).toBe(1);
  });

  it('answers only GET', async () => {
    const response = await fetch(`${api.url}/metrics`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'API_NOT_FOUND' });
  });
});
