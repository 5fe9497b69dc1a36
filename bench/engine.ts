// Benchmark: records processed per second per partition with the engine's commit policy, against raw SQLite and raw log appends.
// Run: npm run bench:engine   (CUTLINE_BENCH_INSTANCES=N sets the size; CUTLINE_BENCH_BATCH=N the records per transaction)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../src/clock.js';
import { SeededRandom } from '../src/random.js';
import { Cluster } from '../src/engine/cluster.js';
import { InProcessTransport } from '../src/engine/transport.js';
import { encodeRecord } from '../src/engine/records.js';
import { SegmentedLog } from '../src/log/segmented-log.js';
import type { AppendRecord } from '../src/log/log.js';

const instances = Number(process.env.CUTLINE_BENCH_INSTANCES ?? 5_000);
const recordsPerTransaction = Number(process.env.CUTLINE_BENCH_BATCH ?? 100);
/** Workload commands submitted between drains: the load offered while the processor catches up. */
const burst = Number(process.env.CUTLINE_BENCH_BURST ?? 500);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cutline-bench-engine-'));

interface Result {
  readonly records: number;
  readonly seconds: number;
}

/** Runs the whole correlation workload (each instance: 2 workload commands + 4 inter-partition commands) to completion. */
function runEngine(partitionCount: number): Result & { perPartition: number[] } {
  const transport = new InProcessTransport(systemClock, new SeededRandom(1));
  const cluster = Cluster.open({
    dataDirectory: path.join(root, `engine-${partitionCount}`),
    partitionCount,
    nodeCount: 1,
    clock: systemClock,
    transport,
    recordsPerTransaction,
    snapshotIntervalRecords: 0,
  });
  const partitions = cluster.partitions();
  const start = performance.now();
  for (let index = 0; index < instances; index++) {
    const partition = partitions[index % partitions.length]!;
    partition.submit({ type: 'CREATE_INSTANCE', value: { correlationKey: `key-${index}` } });
    if (index % burst === burst - 1) drain(cluster, transport);
  }
  for (let index = 0; index < instances; index++) {
    const owner = cluster.partition(partitionOf(`key-${index}`, partitionCount));
    owner.submit({ type: 'PUBLISH_MESSAGE', value: { messageId: `m-${index}`, correlationKey: `key-${index}` } });
    if (index % burst === burst - 1) drain(cluster, transport);
  }
  drain(cluster, transport);
  const seconds = (performance.now() - start) / 1000;
  const perPartition = partitions.map((p) => p.lastProcessedPosition);
  const completed = partitions.reduce(
    (sum, p) => sum + (p.dumpState().instances ?? []).filter((r) => (r as { state: string }).state === 'COMPLETED').length,
    0,
  );
  if (completed !== instances) throw new Error(`only ${completed} of ${instances} instances completed`);
  cluster.close();
  return { records: perPartition.reduce((a, b) => a + b, 0), seconds, perPartition };
}

/** Delivers and processes until quiet; each partition processes everything it has before commands move on. */
function drain(cluster: Cluster, transport: InProcessTransport): void {
  for (let work = 1; work > 0;) {
    work = 0;
    for (const partition of cluster.partitions()) work += partition.processAvailable();
    work += transport.deliverDue();
  }
}

function partitionOf(key: string, count: number): number {
  // The engine's own function, imported lazily to keep the benchmark's imports about what it measures.
  return partitionForKeyCached(key, count);
}
import { partitionForKey as partitionForKeyCached } from '../src/engine/partitioning.js';

/** Baseline: the same number of rows inserted into SQLite in transactions of the same size, same pragmas. */
function rawSqlite(rows: number): Result {
  const db = new Database(path.join(root, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE rows (key TEXT PRIMARY KEY, value TEXT NOT NULL, position INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO rows VALUES (?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let index = from; index < to; index++) insert.run(`key-${index}`, 'OPENING_SUBSCRIPTION', index);
  });
  const start = performance.now();
  for (let from = 0; from < rows; from += recordsPerTransaction) batch(from, Math.min(rows, from + recordsPerTransaction));
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return { records: rows, seconds };
}

/** Baseline: the same number of records appended to a raw log, flushed once per batch as the engine does. */
function rawLog(records: number): Result {
  const log = SegmentedLog.open({ directory: path.join(root, 'raw-log'), fsyncPolicy: 'manual' });
  const record: AppendRecord = encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey: 'key-123456' } }, Date.now());
  const start = performance.now();
  for (let from = 0; from < records; from += recordsPerTransaction) {
    const count = Math.min(recordsPerTransaction, records - from);
    log.append(Array.from({ length: count }, () => record));
    log.flush();
  }
  const seconds = (performance.now() - start) / 1000;
  log.close();
  return { records, seconds };
}

const rate = (result: Result) => result.records / result.seconds;
const format = (value: number) => Math.round(value).toLocaleString('en-US');

try {
  const one = runEngine(1);
  const three = runEngine(3);
  const sqlite = rawSqlite(one.records);
  const logOnly = rawLog(one.records);
  const perPartitionThree = three.perPartition.map((records) => records / three.seconds);
  console.log(
    `engine benchmark: ${instances} instances, commit policy ${recordsPerTransaction} records per SQLite transaction + 1 log fsync`,
  );
  console.log(`engine, 1 partition:  ${format(rate(one))} records/s per partition (${one.records} records in ${one.seconds.toFixed(2)} s)`);
  console.log(
    `engine, 3 partitions: ${perPartitionThree.map(format).join(' / ')} records/s per partition, ${format(rate(three))} records/s total (one thread)`,
  );
  console.log(`raw SQLite inserts:   ${format(rate(sqlite))} rows/s (same row count, same transaction size)`);
  console.log(`raw log appends:      ${format(rate(logOnly))} records/s (same record count, one fsync per batch)`);
  console.log(`ratio engine(1 partition) / raw SQLite inserts: ${(rate(one) / rate(sqlite)).toFixed(3)}`);
  console.log(`ratio engine(1 partition) / raw log appends:    ${(rate(one) / rate(logOnly)).toFixed(3)}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
