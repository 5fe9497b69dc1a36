// Point-in-time restore time against the number of backups in the store (1, 4, 16), against a plain --backupId restore of the same final state, in one run.
// Sizes: CUTLINE_BENCH_PITR_BACKUPS (comma-separated counts, default 1,4,16); CUTLINE_BENCH_PITR_STEPS (workload steps per simulated
// second, default 40); CUTLINE_BENCH_PITR_ROUNDS (default 3).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/clock.js';
import { systemRandom } from '../src/random.js';
import { FileSystemBackupStore } from '../src/store/fs-backup-store.js';
import { ContinuousBackups } from '../src/backup/continuous-backups.js';
import { listBackupManifests } from '../src/backup/manifest-store.js';
import { planBackupIdRestore } from '../src/restore/restore-planner.js';
import { planPointInTimeRestore } from '../src/restore/pitr-planner.js';
import { readPointInTimeListing } from '../src/restore/pitr-listing.js';
import { executeRestore } from '../src/restore/restore-executor.js';
import type { RestorePlan } from '../src/restore/restore-plan.js';
import type { BackupStore } from '../src/store/backup-store.js';
import { driveToQuiet, openBackupTestCluster } from '../test/support/backup-fixtures.js';
import { fastestSeconds } from './bench-timing.js';

const counts = (process.env.CUTLINE_BENCH_PITR_BACKUPS ?? '1,4,16').split(',').map(Number);
const steps = Number(process.env.CUTLINE_BENCH_PITR_STEPS ?? 40);
const rounds = Number(process.env.CUTLINE_BENCH_PITR_ROUNDS ?? 3);
const scheduleSeconds = 4;
let runCounter = 0;

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'cutline-bench-pitr-'));
  try {
    process.stdout.write(
      `bench:pitr: continuous mode, a marker every second, a backup every ${scheduleSeconds} s, ${steps} workload steps per second, best of ${rounds} rounds\n`,
    );
    for (const count of counts) await measure(root, count);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Runs the engine until `count` backups completed, then times three restores of the node (both partitions). */
async function measure(root: string, count: number): Promise<void> {
  const store = new FileSystemBackupStore(join(root, `store-${count}`));
  const opened = openBackupTestCluster(71, store, {
    partitionCount: 2,
    continuousBackups: true,
    snapshotIntervalRecords: 200,
    dataDirectory: join(root, `engine-${count}`),
  });
  await opened.manager.start(opened.cluster);
  const config = {
    continuous: true,
    checkpointIntervalMs: 1_000,
    scheduleMs: scheduleSeconds * 1_000,
    retentionWindowMs: undefined,
    retentionCleanupScheduleMs: undefined,
    compression: 'gzip' as const,
  };
  const service = new ContinuousBackups({ cluster: opened.cluster, clock: opened.clock, config, manager: opened.manager });
  const backups = (): number[] =>
    service.schedulers
      .emitted()
      .filter((c) => c.checkpointType === 'SCHEDULED_BACKUP')
      .map((c) => c.checkpointId);
  try {
    // One more second after the last backup so its upload finishes before the store is read.
    for (let second = 0; backups().length < count || second % scheduleSeconds !== 2; second++) {
      opened.scheduler.run(steps);
      opened.clock.advance(1_000);
      await service.tick();
      await opened.manager.settled();
      driveToQuiet(opened.cluster);
    }
    await service.syncMetadata();
    const last = backups()[count - 1] ?? 0;
    const markerBefore = service.schedulers
      .emitted()
      .filter((c) => c.checkpointType === 'MARKER' && c.checkpointId < last)
      .at(-1)?.checkpointId;
    const plain = async (): Promise<RestorePlan> =>
      planBackupIdRestore({ backupId: last, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(store, last) });
    const pitr = async (checkpointId: number): Promise<RestorePlan> =>
      planPointInTimeRestore({ target: { checkpointId }, nodeId: 0, clusterSize: 1, ...(await readPointInTimeListing(store)) });
    const baseline = await fastestSeconds(rounds, async () => restoreInto(root, store, await plain()));
    const same = await fastestSeconds(rounds, async () => restoreInto(root, store, await pitr(last)));
    const plan = await plain();
    const bytes = plan.totalBytes;
    process.stdout.write(
      `${count} backups in the store (${(bytes / 1024).toFixed(0)} KiB in the last backup): --backupId ${(baseline * 1000).toFixed(1)} ms (baseline)\n`,
    );
    process.stdout.write(
      `  --to-checkpoint of the same final state: ${(same * 1000).toFixed(1)} ms, ${(same / baseline).toFixed(2)}x the baseline\n`,
    );
    if (markerBefore !== undefined) {
      const stitchedPlan = await pitr(markerBefore);
      const links = Math.max(...stitchedPlan.partitions.map((p) => p.backups.length));
      const marker = await fastestSeconds(rounds, async () => restoreInto(root, store, await pitr(markerBefore)));
      process.stdout.write(
        `  --to-checkpoint of the marker before the last backup (${links} backups in the longest chain): ${(marker * 1000).toFixed(1)} ms, ${(marker / baseline).toFixed(2)}x the baseline\n`,
      );
    }
  } finally {
    await opened.manager.close();
    opened.cluster.close();
  }
}

async function restoreInto(root: string, store: BackupStore, plan: RestorePlan): Promise<void> {
  const dataDirectory = join(root, `restore-${++runCounter}`);
  await executeRestore({ plan, store, dataDirectory, parallelism: 8, clock: systemClock, random: systemRandom });
  await rm(dataDirectory, { recursive: true, force: true });
}

await main();
