// The engine's tick of the backup services against a store that refuses every call: backed off, logged once a minute, healthy again after.
import { afterEach, describe, expect, it } from 'vitest';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { ContinuousBackups } from '../../src/backup/continuous-backups.js';
import { BackupServicesTicker } from '../../src/backup/services-ticker.js';
import { readPartitionMetadata } from '../../src/backup/backup-metadata.js';
import type { BackupConfig } from '../../src/protocol/backup-config.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { driveToQuiet, openBackupTestCluster, type BackupTestCluster } from '../support/backup-fixtures.js';
import { DenyingStore } from '../support/denying-store.js';

const freshDirectory = temporaryDirectories('services-ticker');
let running: BackupTestCluster | undefined;
afterEach(async () => {
  await running?.manager.close();
  running?.cluster.close();
  running = undefined;
});

const config: BackupConfig = {
  continuous: false,
  checkpointIntervalMs: 10_000,
  scheduleMs: undefined,
  retentionWindowMs: undefined,
  retentionCleanupScheduleMs: undefined,
  compression: 'gzip' as const,
};

describe('the backup services ticker', () => {
  it('backs off the store work while the store refuses every call, logs it once a minute with a count, and says when it recovers', async () => {
    const inner = new FileSystemBackupStore(await freshDirectory());
    const store = new DenyingStore(inner);
    const opened = openBackupTestCluster(61, store, { partitionCount: 2 });
    running = opened;
    await opened.manager.start(opened.cluster);
    const lines: string[] = [];
    const services = new ContinuousBackups({ cluster: opened.cluster, clock: opened.clock, config, manager: opened.manager });
    const ticker = new BackupServicesTicker({ services, clock: opened.clock, log: (line) => lines.push(line) });
    /** The engine's loop: a tick every 250 ms of the manual clock. */
    const run = async (seconds: number): Promise<void> => {
      for (let tick = 0; tick < seconds * 4; tick++) {
        opened.clock.advance(250);
        await ticker.tick();
        driveToQuiet(opened.cluster);
      }
    };
    store.denying = true;
    await run(5 * 60);
    // Without a backoff, every tick would try metadata.json again: 1,200 refused puts, each logged.
    expect(store.refused.put).toBeGreaterThan(0);
    expect(store.refused.put).toBeLessThanOrEqual(12);
    expect(lines[0]).toMatch(/^backup services failing: STORE_ACCESS_DENIED: cannot put metadata\/1\/metadata\.json: access denied/);
    const still = lines.slice(1);
    expect(still.length).toBeGreaterThanOrEqual(3);
    expect(still.length).toBeLessThanOrEqual(5);
    for (const line of still)
      expect(line).toMatch(
        /^backup services still failing: \d+ more failure\(s\) in the last \d+ s \(\d+ since .*Z\), latest: STORE_ACCESS_DENIED: /,
      );
    expect(ticker.storeWorkRetryInMs).toBeGreaterThan(0);
    // The scheduler was not backed off: markers need no store, one every 10 s all along.
    expect(services.schedulers.emitted().filter((emitted) => emitted.checkpointType === 'MARKER').length).toBeGreaterThanOrEqual(29);

    store.denying = false;
    await run(61);
    expect(lines.at(-1)).toMatch(/^backup services recovered after \d+ failure\(s\) over \d+ s$/);
    expect(lines.filter((line) => line.includes('recovered'))).toHaveLength(1);
    expect(ticker.storeWorkRetryInMs).toBe(0);
    for (const partitionId of [1, 2]) expect(await readPartitionMetadata(inner, partitionId)).toBeDefined();
  });
});
