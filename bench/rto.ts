// Time to recovery: restore a backup whose snapshot lies far behind its cut, open the engine on the result and
// process a first new command, against a raw download of the same backup's objects, in one run.
// CUTLINE_BENCH_RTO_RECORDS (records per partition at the cut, default 100000), CUTLINE_BENCH_RTO_PARTITIONS (default 2),
// CUTLINE_BENCH_RTO_ROUNDS (default 2; best of each, alternating). The engine takes no periodic snapshot, so its newest
// lies far behind the cut; the backup's snapshot is the one taken before its checkpoint (backupSnapshotLagRecordsMax,
// CUTLINE_BENCH_RTO_LAG_MAX, the engine's default unless set). CUTLINE_BENCH_RTO_LAG_MAX=0 turns that off: the backup
// then holds no snapshot and the engine replays every record up to the cut, the worst case.
import { copyFile, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore as SourceStore } from '../src/store/fs-backup-store.js';
import { driveToQuiet, openBackupTestCluster, takeBackupAndWait } from '../test/support/backup-fixtures.js';
import { fastestSeconds } from './bench-timing.js';
import { importBuilt } from './built.js';
import type * as FsStoreModule from '../src/store/fs-backup-store.js';
import type * as ManifestStoreModule from '../src/backup/manifest-store.js';
import type * as PlannerModule from '../src/restore/restore-planner.js';
import type * as PlanModule from '../src/restore/restore-plan.js';
import type * as ExecutorModule from '../src/restore/restore-executor.js';
import type * as ClusterModule from '../src/engine/cluster.js';
import type * as TransportModule from '../src/engine/transport.js';
import type * as WorkloadModule from '../src/engine/workload.js';
import type * as ClockModule from '../src/clock.js';
import type * as RandomModule from '../src/random.js';

const recordsWanted = Number(process.env.CUTLINE_BENCH_RTO_RECORDS ?? 100_000);
const partitionCount = Number(process.env.CUTLINE_BENCH_RTO_PARTITIONS ?? 2);
const rounds = Number(process.env.CUTLINE_BENCH_RTO_ROUNDS ?? 2);
const lagMax = process.env.CUTLINE_BENCH_RTO_LAG_MAX === undefined ? undefined : Number(process.env.CUTLINE_BENCH_RTO_LAG_MAX);
const parallelism = 8;
const root = join(process.cwd(), '.bench-data', 'rto');
let runCounter = 0;
/** The restore and the engine start of the fastest recovery: which of the two dominates. */
let fastestSplit = { total: Infinity, restore: NaN, start: NaN };

const { FileSystemBackupStore } = await importBuilt<typeof FsStoreModule>('store/fs-backup-store.js');
const { listBackupManifests } = await importBuilt<typeof ManifestStoreModule>('backup/manifest-store.js');
const { planBackupIdRestore } = await importBuilt<typeof PlannerModule>('restore/restore-planner.js');
const { plannedFiles } = await importBuilt<typeof PlanModule>('restore/restore-plan.js');
const { executeRestore } = await importBuilt<typeof ExecutorModule>('restore/restore-executor.js');
const { Cluster } = await importBuilt<typeof ClusterModule>('engine/cluster.js');
const { InProcessTransport } = await importBuilt<typeof TransportModule>('engine/transport.js');
const { Workload } = await importBuilt<typeof WorkloadModule>('engine/workload.js');
const { systemClock } = await importBuilt<typeof ClockModule>('clock.js');
const { SeededRandom, systemRandom } = await importBuilt<typeof RandomModule>('random.js');

/** Runs the real engine (no periodic snapshots) until every partition holds recordsWanted records, then backs it up; returns the records from each snapshot to its cut, summed. */
async function produceBackup(storeDirectory: string): Promise<{ atCut: number; toReplay: number }> {
  const opened = openBackupTestCluster(7, new SourceStore(storeDirectory), {
    partitionCount,
    snapshotIntervalRecords: 0,
    segmentSizeBytes: 64 * 1024 * 1024,
    dataDirectory: join(root, 'engine'),
    ...(lagMax === undefined ? {} : { backupSnapshotLagRecordsMax: lagMax }),
  });
  const { cluster, manager, scheduler } = opened;
  try {
    await manager.start(cluster);
    // Work in rounds drained to quiet: the scheduler's few deliveries per step would let retries pile up in flight.
    const workload = new Workload(cluster, new SeededRandom(8));
    while (cluster.partitions().some((partition) => partition.log.lastPosition < recordsWanted)) {
      for (let step = 0; step < 500; step++) workload.step();
      driveToQuiet(cluster);
    }
    const status = await takeBackupAndWait(cluster, manager, 1, { drive: () => scheduler.run(20) });
    if (status.status !== 'COMPLETED') throw new Error(`the backup ended ${status.status}`);
    const sum = (of: (descriptor: (typeof status.partitions)[number]['descriptor']) => number) =>
      status.partitions.reduce((total, partition) => total + of(partition.descriptor), 0);
    return { atCut: sum((d) => d.checkpointPosition), toReplay: sum((d) => d.checkpointPosition - d.snapshotProcessedPosition) };
  } finally {
    await manager.settled();
    cluster.close();
  }
}

/** Restore, then the engine opened on the restored directory until a new command is processed. */
async function restoreAndStart(store: InstanceType<typeof FileSystemBackupStore>, plan: Awaited<ReturnType<typeof planOf>>): Promise<void> {
  const dataDirectory = join(root, `restore-${++runCounter}`);
  const started = performance.now();
  await executeRestore({ plan, store, dataDirectory, parallelism, clock: systemClock, random: systemRandom });
  const restored = performance.now();
  const transport = new InProcessTransport(systemClock, systemRandom);
  const cluster = Cluster.open({
    dataDirectory,
    partitionCount,
    nodeCount: 1,
    clock: systemClock,
    transport,
    segmentSizeBytes: 64 * 1024 * 1024,
    snapshotIntervalRecords: 0,
  });
  try {
    const processedBefore = cluster.partitions().reduce((sum, partition) => sum + partition.state().lastProcessedPosition, 0);
    new Workload(cluster, new SeededRandom(3)).createOne();
    for (const partition of cluster.partitions()) partition.processAvailable();
    const processedAfter = cluster.partitions().reduce((sum, partition) => sum + partition.state().lastProcessedPosition, 0);
    if (processedAfter <= processedBefore) throw new Error('the restored engine processed no new command');
    const done = performance.now();
    if (done - started < fastestSplit.total)
      fastestSplit = { total: done - started, restore: (restored - started) / 1000, start: (done - restored) / 1000 };
  } finally {
    // Stopped as a crash would: a clean close would write a snapshot, which is not part of recovering.
    for (const partition of cluster.partitions()) cluster.crash(partition.partitionId);
  }
  await rm(dataDirectory, { recursive: true, force: true });
}

async function planOf(store: InstanceType<typeof FileSystemBackupStore>) {
  return planBackupIdRestore({ backupId: 1, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(store, 1) });
}

/** The baseline: every object the backup's files are made of (chunks, or whole files for format 1), copied `parallelism` at a time and fsynced. */
async function rawDownload(storeDirectory: string, keys: readonly string[]): Promise<void> {
  const directory = join(root, `raw-${++runCounter}`);
  await mkdir(directory, { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < keys.length; index = next++) {
      const target = join(directory, `${index}.bin`);
      await copyFile(join(storeDirectory, keys[index] ?? ''), target);
      const handle = await open(target, 'r+');
      await handle.sync();
      await handle.close();
    }
  };
  await Promise.all(Array.from({ length: parallelism }, worker));
  await rm(directory, { recursive: true, force: true });
}

async function main(): Promise<void> {
  await rm(root, { recursive: true, force: true });
  const storeDirectory = join(root, 'store');
  try {
    const { atCut, toReplay } = await produceBackup(storeDirectory);
    const store = new FileSystemBackupStore(storeDirectory);
    const plan = await planOf(store);
    const keys = [...new Set(plannedFiles(plan).flatMap((file) => file.chunks?.map((chunk) => chunk.key) ?? [file.key]))];
    process.stdout.write(
      `bench:rto: ${partitionCount} partitions, ${atCut} records at the cut, the engine's own newest snapshot ${atCut} records behind it (none), ${toReplay} records from the backup's snapshots to the cut, ${(plan.totalBytes / 1048576).toFixed(1)} MiB restored from ${keys.length} objects, best of ${rounds} alternating rounds\n`,
    );
    const best = [Infinity, Infinity];
    for (let round = 0; round < rounds; round++) {
      best[0] = Math.min(best[0] ?? Infinity, await fastestSeconds(1, () => rawDownload(storeDirectory, keys)));
      best[1] = Math.min(best[1] ?? Infinity, await fastestSeconds(1, () => restoreAndStart(store, plan)));
    }
    const [raw = NaN, recovery = NaN] = best;
    process.stdout.write(
      `RTO (restore + engine start + first new command processed) ${recovery.toFixed(2)} s   raw download of the backup's objects ${raw.toFixed(3)} s   ratio ${(recovery / raw).toFixed(1)}\n`,
    );
    process.stdout.write(
      `  of which restore ${fastestSplit.restore.toFixed(2)} s, engine start (replay to the cut) + first command ${fastestSplit.start.toFixed(2)} s: ${toReplay} records replayed\n`,
    );
  } finally {
    if (process.env.CUTLINE_BENCH_KEEP !== '1') await rm(root, { recursive: true, force: true });
  }
}

await main();
