// Benchmark: engine throughput while a backup is taken every few seconds (or every N records), against the same run without backups.
// Run: npm run bench:backup   (CUTLINE_BENCH_INSTANCES=N sets the size; CUTLINE_BENCH_BACKUP_EVERY_MS=T or CUTLINE_BENCH_BACKUP_EVERY=N
// records between backups; CUTLINE_BENCH_ROUNDS=N alternating rounds; CUTLINE_BENCH_STORE_DIR=D puts the store on another disk,
// e.g. /dev/shm as a stand-in for a remote store). The upload throughput of the stores is `npm run bench:store`.
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

const instances = Number(process.env.CUTLINE_BENCH_INSTANCES ?? 20_000);
/** Records between backups when set (deterministic); otherwise a backup every backupEveryMs of wall time. */
const backupEveryRecords =
  process.env.CUTLINE_BENCH_BACKUP_EVERY === undefined ? undefined : Number(process.env.CUTLINE_BENCH_BACKUP_EVERY);
const backupEveryMs = Number(process.env.CUTLINE_BENCH_BACKUP_EVERY_MS ?? 2_000);
const rounds = Number(process.env.CUTLINE_BENCH_ROUNDS ?? 3);
const storeRoot = process.env.CUTLINE_BENCH_STORE_DIR;
const partitionCount = 3;
/** Workload commands submitted between drains, as in bench/engine.ts. */
const burst = 500;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cutline-bench-backup-'));

interface Run {
  readonly records: number;
  readonly seconds: number;
  /** CPU time (user + system) the process spent on the run: less disturbed by other load than wall time. */
  readonly cpuSeconds: number;
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
  const storeDirectory =
    storeRoot === undefined ? path.join(directory, 'store') : fs.mkdtempSync(path.join(storeRoot, 'cutline-bench-store-'));
  const store = new FileSystemBackupStore(storeDirectory);
  const manager = new BackupManager({ store, clock: systemClock });
  const transport = new InProcessTransport(systemClock, new SeededRandom(1));
  const cluster = Cluster.open({
    dataDirectory: path.join(directory, 'engine'),
    partitionCount,
    nodeCount: 1,
    clock: systemClock,
    transport,
    backupHook: manager,
    segmentSizeBytes: 1024 * 1024,
  });
  await manager.start(cluster);
  const backupIds: number[] = [];
  let start = performance.now();
  let processed = 0;
  let backupsDue = 1;
  const backupDue = (): boolean =>
    backupEveryRecords === undefined
      ? performance.now() - start >= backupsDue * backupEveryMs
      : processed >= backupsDue * backupEveryRecords;
  const drain = async (): Promise<void> => {
    for (let work = 1; work > 0;) {
      work = transport.deliverDue();
      for (const partition of cluster.partitions()) work += partition.processAvailable();
      processed += work;
      await nextTurn();
    }
    if (withBackups && backupDue()) {
      backupsDue += 1;
      backupIds.push(await manager.takeBackup());
    }
  };
  start = performance.now();
  const cpuStart = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
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
  fs.rmSync(storeDirectory, { recursive: true, force: true });
  return { records, seconds, cpuSeconds, backups: backupIds.length, completed, uploadedBytes };
}

/** Workload records per second: the records the workload caused, so checkpoint and confirmation records do not count as throughput. */
const rate = (result: Run) => workloadRecords / result.seconds;
/** Each instance causes 6 records: CREATE_INSTANCE, PUBLISH_MESSAGE and 4 inter-partition commands. */
const workloadRecords = instances * 6;
const format = (value: number) => Math.round(value).toLocaleString('en-US');

/** The median; with an even count the lower middle value, so the figure never flatters the backups. */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

try {
  await run('warmup', true);
  const pairs: { plain: Run; backed: Run }[] = [];
  // Rounds alternate which variant goes first, and each round's ratio compares two neighbouring runs:
  // the machine is shared, so load drifts; the median of the per-round ratios is the figure.
  for (let round = 0; round < rounds; round++) {
    const plainFirst = round % 2 === 0;
    const first = await run(`first-${round}`, !plainFirst);
    const second = await run(`second-${round}`, plainFirst);
    pairs.push(plainFirst ? { plain: first, backed: second } : { plain: second, backed: first });
  }
  const wallRatios = pairs.map((pair) => rate(pair.backed) / rate(pair.plain));
  const cpuRatios = pairs.map((pair) => pair.plain.cpuSeconds / pair.backed.cpuSeconds);
  const backups = pairs.reduce((sum, pair) => sum + pair.backed.backups, 0);
  const completed = pairs.reduce((sum, pair) => sum + pair.backed.completed, 0);
  const uploaded = pairs.reduce((sum, pair) => sum + pair.backed.uploadedBytes, 0) / pairs.length;
  console.log(
    `backup benchmark: ${instances} instances (${workloadRecords} workload records) on ${partitionCount} partitions, a backup every ${backupEveryRecords === undefined ? `${backupEveryMs} ms` : `${backupEveryRecords} processed records`}, store in ${storeRoot ?? 'the engine directory (same disk)'}, ${rounds} rounds`,
  );
  for (const [index, pair] of pairs.entries()) {
    console.log(
      `round ${index + 1}: without backups ${format(rate(pair.plain))} records/s (${pair.plain.seconds.toFixed(2)} s, ${pair.plain.cpuSeconds.toFixed(2)} s CPU); ` +
        `with ${pair.backed.backups} backups ${format(rate(pair.backed))} records/s (${pair.backed.seconds.toFixed(2)} s, ${pair.backed.cpuSeconds.toFixed(2)} s CPU)`,
    );
  }
  console.log(`backups: ${completed} of ${backups} COMPLETED, ${(uploaded / 1024 / 1024).toFixed(1)} MiB uploaded per run`);
  console.log(
    `ratio with / without backups, throughput (median): ${median(wallRatios).toFixed(3)}  [${wallRatios.map((r) => r.toFixed(3)).join(', ')}]`,
  );
  console.log(
    `ratio with / without backups, CPU time per record (median): ${median(cpuRatios).toFixed(3)}  [${cpuRatios.map((r) => r.toFixed(3)).join(', ')}]  (target: overhead <= 5%, ratio >= 0.95)`,
  );
  if (completed !== backups) throw new Error(`only ${completed} of ${backups} backups completed`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
