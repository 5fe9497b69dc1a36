// Benchmark: engine throughput while backups are taken every N processed records, against the same run without backups.
// Run: npm run bench:backup   (CUTLINE_BENCH_INSTANCES=N sets the size; CUTLINE_BENCH_BACKUP_EVERY=N records between backups;
// CUTLINE_BENCH_ROUNDS=N alternating rounds). The upload throughput of the stores is `npm run bench:store`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { systemClock } from '../src/clock.js';
import { SeededRandom } from '../src/random.js';
import { Cluster } from '../src/engine/cluster.js';
import { InProcessTransport } from '../src/engine/transport.js';
import { partitionForKey } from '../src/engine/partitioning.js';
import { BackupManager } from '../src/backup/backup-manager.js';
import { readBackupStatus } from '../src/backup/backup-status.js';
import { FileSystemBackupStore } from '../src/store/fs-backup-store.js';

const instances = Number(process.env.CUTLINE_BENCH_INSTANCES ?? 10_000);
const backupEveryRecords = Number(process.env.CUTLINE_BENCH_BACKUP_EVERY ?? 10_000);
const rounds = Number(process.env.CUTLINE_BENCH_ROUNDS ?? 2);
const partitionCount = 3;
/** Workload commands submitted between drains, as in bench/engine.ts. */
const burst = 500;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cutline-bench-backup-'));

interface Run {
  readonly records: number;
  readonly seconds: number;
  readonly backups: number;
  readonly completed: number;
  readonly uploadedBytes: number;
}

/**
 * Runs the correlation workload to completion on 3 partitions. The loop yields to the event loop after
 * every drain in both variants (that is where uploads progress), so the only difference is the backups.
 * Time stops when the workload is processed; the last backups finish after that and are checked.
 */
async function run(label: string, withBackups: boolean): Promise<Run> {
  const directory = path.join(root, label);
  const store = new FileSystemBackupStore(path.join(directory, 'store'));
  const manager = new BackupManager({ store, clock: systemClock });
  const transport = new InProcessTransport(systemClock, new SeededRandom(1));
  const cluster = Cluster.open({ dataDirectory: path.join(directory, 'engine'), partitionCount, nodeCount: 1, clock: systemClock, transport, backupHook: manager, segmentSizeBytes: 1024 * 1024 });
  await manager.start(cluster);
  const backupIds: number[] = [];
  let processed = 0;
  let nextBackupAt = backupEveryRecords;
  const drain = async (): Promise<void> => {
    for (let work = 1; work > 0; ) {
      work = transport.deliverDue();
      for (const partition of cluster.partitions()) work += partition.processAvailable();
      processed += work;
      await nextTurn();
    }
    if (withBackups && processed >= nextBackupAt) {
      nextBackupAt += backupEveryRecords;
      backupIds.push(await manager.takeBackup());
    }
  };
  const start = performance.now();
  for (let index = 0; index < instances; index++) {
    cluster.partition(1 + (index % partitionCount)).submit({ type: 'CREATE_INSTANCE', value: { correlationKey: `key-${index}` } });
    if (index % burst === burst - 1) await drain();
  }
  for (let index = 0; index < instances; index++) {
    const owner = cluster.partition(partitionForKey(`key-${index}`, partitionCount));
    owner.submit({ type: 'PUBLISH_MESSAGE', value: { messageId: `m-${index}`, correlationKey: `key-${index}` } });
    if (index % burst === burst - 1) await drain();
  }
  await drain();
  const seconds = (performance.now() - start) / 1000;
  const records = cluster.partitions().reduce((sum, partition) => sum + partition.lastProcessedPosition, 0);
  await manager.settled();
  let completed = 0;
  let uploadedBytes = 0;
  for (const backupId of backupIds) {
    const status = await readBackupStatus(store, backupId, partitionCount);
    if (status.status === 'COMPLETED') completed += 1;
    uploadedBytes += status.partitions.reduce((sum, partition) => sum + partition.totalBytes, 0);
  }
  cluster.close();
  fs.rmSync(directory, { recursive: true, force: true });
  return { records, seconds, backups: backupIds.length, completed, uploadedBytes };
}

/** Workload records per second: the records the workload caused, so checkpoint and confirmation records do not count as throughput. */
const rate = (result: Run) => workloadRecords / result.seconds;
/** Each instance causes 6 records: CREATE_INSTANCE, PUBLISH_MESSAGE and 4 inter-partition commands. */
const workloadRecords = instances * 6;
const format = (value: number) => Math.round(value).toLocaleString('en-US');

try {
  await run('warmup', true);
  const baseline: Run[] = [];
  const backed: Run[] = [];
  // Alternating rounds, best of each: the machine is shared, so the fastest run is the least disturbed one.
  for (let round = 0; round < rounds; round++) {
    baseline.push(await run(`baseline-${round}`, false));
    backed.push(await run(`backups-${round}`, true));
  }
  const best = (runs: Run[]) => runs.reduce((a, b) => (rate(a) >= rate(b) ? a : b));
  const [plain, withBackups] = [best(baseline), best(backed)];
  console.log(`backup benchmark: ${instances} instances on ${partitionCount} partitions, a backup every ${backupEveryRecords} processed records, best of ${rounds} alternating rounds`);
  console.log(`engine without backups: ${format(rate(plain))} records/s (${plain.records} records processed in ${plain.seconds.toFixed(2)} s)`);
  console.log(
    `engine with backups:    ${format(rate(withBackups))} records/s (${withBackups.records} records processed in ${withBackups.seconds.toFixed(2)} s; ` +
      `${withBackups.backups} backups, ${withBackups.completed} COMPLETED, ${(withBackups.uploadedBytes / 1024 / 1024).toFixed(1)} MiB uploaded)`,
  );
  console.log(`ratio with / without backups: ${(rate(withBackups) / rate(plain)).toFixed(3)}  (overhead ${((1 - rate(withBackups) / rate(plain)) * 100).toFixed(1)}%, target <= 5%)`);
  if (withBackups.completed !== withBackups.backups) throw new Error(`only ${withBackups.completed} of ${withBackups.backups} backups completed`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
