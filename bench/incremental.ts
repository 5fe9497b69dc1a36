// Benchmark: what continuous backups cost the store (format v2 chunks) against the log they protect, and what they cost the engine.
// Run: npm run bench:incremental   (CUTLINE_BENCH_SECONDS=N sets the length of the run that measures the store, 300 by
// default, 0 skips it; CUTLINE_BENCH_RATE=N workload commands per second, 200 by default; CUTLINE_BENCH_THROUGHPUT_SECONDS=N the length of
// each throughput run, 60 by default, 0 skips them; CUTLINE_BENCH_THROUGHPUT_RATE=N the workload offered in them, 20000 commands
// per second by default, more than the engine processes, so it runs flat out; CUTLINE_BENCH_ROUNDS=N alternating rounds, 2).
// The real engine loop (the `cutline engine start` pieces) on 3 partitions with continuous backups (a checkpoint every 2 s,
// a backup every 10 s, to a filesystem store) measures the store; then shorter runs with and without backups, alternating, with
// more workload offered than the engine processes, measure what the backups cost the engine: records processed per second
// (its throughput), and per CPU-second of the whole process (what the backups cost in all, their threads included).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../src/clock.js';
import { SeededRandom } from '../src/random.js';
import { Cluster } from '../src/engine/cluster.js';
import { InProcessTransport } from '../src/engine/transport.js';
import { Workload } from '../src/engine/workload.js';
import { runEngine } from '../src/engine/engine-runner.js';
import { resolveBackupConfig } from '../src/cli/backup-config-sources.js';
import { BackupManager } from '../src/backup/backup-manager.js';
import { ContinuousBackups } from '../src/backup/continuous-backups.js';
import { listRetentionCandidates } from '../src/backup/retention.js';
import type { Manifest } from '../src/backup/manifest.js';
import { FileSystemBackupStore } from '../src/store/fs-backup-store.js';
import type { BackupStore, PutBody, PutOptions } from '../src/store/backup-store.js';
import { bodySizeBytes } from '../src/store/backup-store.js';
import { verifyBackup } from '../src/verify/verify-backup.js';

const seconds = Number(process.env.CUTLINE_BENCH_SECONDS ?? 300);
const rate = Number(process.env.CUTLINE_BENCH_RATE ?? 200);
const throughputSeconds = Number(process.env.CUTLINE_BENCH_THROUGHPUT_SECONDS ?? 60);
const throughputRate = Number(process.env.CUTLINE_BENCH_THROUGHPUT_RATE ?? 20_000);
const rounds = Number(process.env.CUTLINE_BENCH_ROUNDS ?? 2);
const partitionCount = 3;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cutline-bench-incremental-'));

/** Counts every byte put into the store, by the first component of the key. */
function countingStore(inner: BackupStore): { store: BackupStore; putBytes: Map<string, number> } {
  const putBytes = new Map<string, number>();
  const store: BackupStore = {
    description: inner.description,
    put: async (key: string, body: PutBody, options?: PutOptions) => {
      await inner.put(key, body, options);
      const kind = key.split('/')[0] ?? '';
      putBytes.set(kind, (putBytes.get(kind) ?? 0) + bodySizeBytes(body));
    },
    get: (key, options) => inner.get(key, options),
    list: (prefix, options) => inner.list(prefix, options),
    head: (key, options) => inner.head(key, options),
    delete: (key, options) => inner.delete(key, options),
  };
  return { store, putBytes };
}

interface Run {
  readonly records: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly storeDirectory: string | undefined;
  readonly putBytes: ReadonlyMap<string, number>;
}

async function run(label: string, withBackups: boolean, runSeconds: number, workloadPerSecond = rate): Promise<Run> {
  const directory = path.join(root, label);
  const storeDirectory = withBackups ? path.join(directory, 'store') : undefined;
  const counted = storeDirectory === undefined ? undefined : countingStore(new FileSystemBackupStore(storeDirectory));
  const manager = counted === undefined ? undefined : new BackupManager({ store: counted.store, clock: systemClock });
  const config = resolveBackupConfig({ flags: withBackups ? { continuous: true, checkpointInterval: 'PT2S', schedule: 'PT10S' } : {} });
  const transport = new InProcessTransport(systemClock, new SeededRandom(7));
  const cluster = Cluster.open({
    dataDirectory: path.join(directory, 'engine'),
    partitionCount,
    nodeCount: 1,
    clock: systemClock,
    transport,
    continuousBackups: config.continuous,
    ...(manager === undefined ? {} : { backupHook: manager }),
  });
  const continuous = new ContinuousBackups({ cluster, clock: systemClock, config, ...(manager === undefined ? {} : { manager }) });
  if (manager !== undefined) await manager.start(cluster);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), runSeconds * 1000);
  const cpuStart = process.cpuUsage();
  const result = await runEngine({
    cluster,
    transport,
    clock: systemClock,
    workload: new Workload(cluster, new SeededRandom(11), 'order'),
    workloadPerSecond,
    checkpointIntervalMs: 0,
    checkpointType: 'MARKER',
    signal: controller.signal,
    services: { tick: () => continuous.tick().catch((error: unknown) => console.error(`services: ${String(error)}`)), intervalMs: 250 },
  });
  clearTimeout(timer);
  await manager?.settled();
  const cpu = process.cpuUsage(cpuStart);
  await manager?.close();
  cluster.close();
  return {
    records: result.recordsProcessed,
    seconds: result.elapsedMs / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    storeDirectory,
    putBytes: counted?.putBytes ?? new Map(),
  };
}

async function completedCount(storeDirectory: string): Promise<number> {
  const byPartition = await completedByPartition(new FileSystemBackupStore(storeDirectory));
  return [...byPartition.values()].reduce((sum, manifests) => sum + manifests.length, 0);
}

/** Per partition, the COMPLETED manifests in checkpoint order. */
async function completedByPartition(store: BackupStore): Promise<Map<number, Manifest[]>> {
  const byPartition = new Map<number, Manifest[]>();
  for (const candidate of await listRetentionCandidates(store)) {
    for (const manifest of candidate.manifests) {
      if (manifest.status !== 'COMPLETED') continue;
      const list = byPartition.get(manifest.id.partitionId) ?? [];
      list.push(manifest);
      byPartition.set(manifest.id.partitionId, list);
    }
  }
  return byPartition;
}

/** The log bytes each backup adds over the previous one of its partition (segments grow by appends), and all log bytes backed up. */
function logGrowth(manifests: readonly Manifest[]): { appended: number[]; logBytes: number } {
  const sizes = new Map<string, number>();
  const appended: number[] = [];
  for (const manifest of manifests) {
    let added = 0;
    for (const file of manifest.files) {
      if (!file.path.startsWith('segments/')) continue;
      added += Math.max(0, file.sizeBytes - (sizes.get(file.path) ?? 0));
      sizes.set(file.path, Math.max(file.sizeBytes, sizes.get(file.path) ?? 0));
    }
    appended.push(added);
  }
  return { appended, logBytes: [...sizes.values()].reduce((sum, size) => sum + size, 0) };
}

function directoryBytes(directory: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

async function main(): Promise<void> {
  console.log(
    `bench:incremental: ${partitionCount} partitions, ${rate} commands/s, a checkpoint every 2 s and a backup every 10 s, ${seconds} s per run`,
  );
  if (seconds > 0) await storeCost();
  if (throughputSeconds > 0) await throughput();
}

/** The run that measures what the backups cost the store against the log they hold. */
async function storeCost(): Promise<void> {
  const backed = await run('with-backups', true, seconds);
  const store = new FileSystemBackupStore(backed.storeDirectory ?? '');
  const byPartition = await completedByPartition(store);
  let uploadedAfterFirst = 0;
  let appendedAfterFirst = 0;
  let logBytes = 0;
  let backups = 0;
  for (const manifests of byPartition.values()) {
    const growth = logGrowth(manifests);
    logBytes += growth.logBytes;
    backups = Math.max(backups, manifests.length);
    manifests.forEach((manifest, index) => {
      if (index === 0) return;
      uploadedAfterFirst += manifest.addedBytes ?? 0;
      appendedAfterFirst += growth.appended[index] ?? 0;
    });
  }
  const storeBytes = directoryBytes(backed.storeDirectory ?? '');
  const put = (kind: string): number => backed.putBytes.get(kind) ?? 0;
  console.log(`backups completed per partition: ${backups}; log bytes the backups hold: ${mib(logBytes)}`);
  console.log(
    `put into the store: chunks ${mib(put('chunks'))}, manifests ${mib(put('manifests'))}, metadata ${mib(put('metadata'))}, collections ${mib(put('collections'))}`,
  );
  console.log(
    `chunk bytes uploaded per backup / log bytes appended since the previous backup (after the first): ${mib(uploadedAfterFirst)} / ${mib(appendedAfterFirst)} ratio ${(uploadedAfterFirst / appendedAfterFirst).toFixed(3)}`,
  );
  const putAll = [...backed.putBytes.values()].reduce((sum, bytes) => sum + bytes, 0);
  console.log(
    `every byte put (chunks, manifests, metadata.json rewrites) / every log byte backed up: ${mib(putAll)} / ${mib(logBytes)} ratio ${(putAll / logBytes).toFixed(3)}`,
  );
  console.log(
    `store bytes / log bytes written (snapshots, manifests and metadata included): ${mib(storeBytes)} / ${mib(logBytes)} ratio ${(storeBytes / logBytes).toFixed(3)}`,
  );
  const latest = Math.max(...[...byPartition.values()].map((manifests) => manifests.at(-1)?.id.checkpointId ?? 0));
  const report = await verifyBackup(store, latest, { level: 'full' });
  console.log(`verify-backup --level full of the latest backup ${latest}: ${report.findings.length} finding(s)`);
}

/** Alternating runs without and with backups, the engine flat out; the best records per second and per CPU-second of each. */
async function throughput(): Promise<void> {
  const best = { with: { perSecond: 0, perCpuSecond: 0 }, without: { perSecond: 0, perCpuSecond: 0 } };
  for (let round = 0; round < rounds; round++) {
    for (const withBackups of [false, true]) {
      const measured = await run(`throughput-${round}-${withBackups ? 'with' : 'without'}`, withBackups, throughputSeconds, throughputRate);
      const perSecond = measured.records / measured.seconds;
      const perCpuSecond = measured.records / measured.cpuSeconds;
      const taken =
        measured.storeDirectory === undefined ? '' : `, ${await completedCount(measured.storeDirectory)} partition backups COMPLETED`;
      console.log(
        `round ${round + 1}, ${withBackups ? 'with' : 'without'} backups: ${measured.records} records in ${measured.seconds.toFixed(1)} s, ${measured.cpuSeconds.toFixed(1)} CPU-s${taken}`,
      );
      const variant = withBackups ? best.with : best.without;
      variant.perSecond = Math.max(variant.perSecond, perSecond);
      variant.perCpuSecond = Math.max(variant.perCpuSecond, perCpuSecond);
    }
  }
  const ratio = (left: number, right: number): string => (left / right).toFixed(3);
  console.log(
    `engine throughput with backups / without (records per second, flat out, best of ${rounds}): ${best.with.perSecond.toFixed(0)} / ${best.without.perSecond.toFixed(0)} ratio ${ratio(best.with.perSecond, best.without.perSecond)}`,
  );
  console.log(
    `records per CPU-second of the process, backup threads included: ${best.with.perCpuSecond.toFixed(0)} / ${best.without.perCpuSecond.toFixed(0)} ratio ${ratio(best.with.perCpuSecond, best.without.perCpuSecond)}`,
  );
}

try {
  await main();
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
