// Restore throughput from the filesystem store and from loopback S3 against a raw parallel download of the same objects, in one run.
// Sizes: CUTLINE_BENCH_RESTORE_MIB (backup size, default 1024) over CUTLINE_BENCH_RESTORE_PARTITIONS partitions (default 4);
// CUTLINE_BENCH_RESTORE_PARALLELISM (default 8) for both the restore and the baselines; CUTLINE_BENCH_RESTORE_ROUNDS (default 2);
// CUTLINE_BENCH_RESTORE_S3=0 skips the S3 half, CUTLINE_BENCH_RESTORE_FS=0 the filesystem one; CUTLINE_BENCH_RESTORE_SHAPES (default "large,engine") picks the record shapes:
// large = 64 KiB records (bytes dominate), engine = the engine's own record mix (35-170 byte payloads, half of them
// inter-partition commands), where the per-record checks dominate. CUTLINE_BENCH_RESTORE_FORMATS (default "1,2") picks the store
// formats restored: the same segments are uploaded as a v1 backup (one object a file) and, to stores of its own, a v3 backup (gzip chunks, or
// CUTLINE_BENCH_CHUNK_CODEC's),
// and both restores are measured against the same raw baseline (a parallel copy of the v1 objects).
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { BackupStore } from '../src/store/backup-store.js';
import type { RestorePlan } from '../src/restore/restore-plan.js';
import { startLoopbackS3Process } from '../test/support/s3rver.js';
import { fastestSeconds } from './bench-timing.js';
import { importBuilt } from './built.js';
import { chunkCodec, chunkedFormat, uploadPartition, writePartitionLog, type Shape } from './restore-data.js';
import type * as FsStoreModule from '../src/store/fs-backup-store.js';
import type * as S3StoreModule from '../src/store/s3-backup-store.js';
import type * as ManifestStoreModule from '../src/backup/manifest-store.js';
import type * as PlannerModule from '../src/restore/restore-planner.js';
import type * as PlanModule from '../src/restore/restore-plan.js';
import type * as ExecutorModule from '../src/restore/restore-executor.js';
import type * as ClockModule from '../src/clock.js';
import type * as RandomModule from '../src/random.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const totalMiB = Number(process.env.CUTLINE_BENCH_RESTORE_MIB ?? 1024);
const partitionCount = Number(process.env.CUTLINE_BENCH_RESTORE_PARTITIONS ?? 4);
const parallelism = Number(process.env.CUTLINE_BENCH_RESTORE_PARALLELISM ?? 8);
const rounds = Number(process.env.CUTLINE_BENCH_RESTORE_ROUNDS ?? 2);
const withS3 = process.env.CUTLINE_BENCH_RESTORE_S3 !== '0';
const withFs = process.env.CUTLINE_BENCH_RESTORE_FS !== '0';
const shapes = (process.env.CUTLINE_BENCH_RESTORE_SHAPES ?? 'large,engine').split(',') as Shape[];
const formats = (process.env.CUTLINE_BENCH_RESTORE_FORMATS ?? '1,2')
  .split(',')
  .map(Number)
  .filter((format) => format === 1 || format === 2);
const root = join(process.cwd(), '.bench-data', 'restore');
/** The bytes one raw read returns: the filesystem store's read size (limits.ts), so both sides make the same reads. */
const rawReadBytes = 1024 * 1024;
let runCounter = 0;

// Everything on the measured path comes from dist/ (see built.ts); the test data is written with the sources.
const { FileSystemBackupStore } = await importBuilt<typeof FsStoreModule>('store/fs-backup-store.js');
const { S3BackupStore } = await importBuilt<typeof S3StoreModule>('store/s3-backup-store.js');
const { listBackupManifests } = await importBuilt<typeof ManifestStoreModule>('backup/manifest-store.js');
const { planBackupIdRestore } = await importBuilt<typeof PlannerModule>('restore/restore-planner.js');
const { plannedFiles } = await importBuilt<typeof PlanModule>('restore/restore-plan.js');
const { executeRestore } = await importBuilt<typeof ExecutorModule>('restore/restore-executor.js');
const { systemClock } = await importBuilt<typeof ClockModule>('clock.js');
const { systemRandom } = await importBuilt<typeof RandomModule>('random.js');

async function main(): Promise<void> {
  for (const shape of shapes) {
    if (shape !== 'large' && shape !== 'engine')
      throw new Error(`CUTLINE_BENCH_RESTORE_SHAPES: unknown shape ${String(shape)} (large, engine)`);
    await benchShape(shape);
  }
}

async function benchShape(shape: Shape): Promise<void> {
  await rm(root, { recursive: true, force: true });
  const fsStore = new FileSystemBackupStore(join(root, 'store'));
  // The v2 backup of the same logs lives in stores of its own: both are backup 1 of checkpoint 1.
  const fsStoreV2 = new FileSystemBackupStore(join(root, 'store-v2'));
  const s3 = await startLoopbackS3Process('bench');
  const s3Store = new S3BackupStore({
    bucket: s3.bucket,
    prefix: 'bench',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const s3StoreV2 = new S3BackupStore({
    bucket: s3.bucket,
    prefix: 'bench-v2',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const rawS3 = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  try {
    let records = 0;
    for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
      const { directory, lastPosition, checkpointPosition } = await writePartitionLog(
        join(root, 'engine', String(partitionId)),
        partitionId,
        partitionCount,
        shape,
        (totalMiB * 1048576) / partitionCount,
      );
      records += lastPosition;
      const pairs: [BackupStore, BackupStore][] = withS3
        ? [
            [fsStore, fsStoreV2],
            [s3Store, s3StoreV2],
          ]
        : [[fsStore, fsStoreV2]];
      for (const [v1, v2] of pairs)
        await uploadPartition(
          { v1, ...(formats.includes(2) ? { v2 } : {}) },
          partitionId,
          partitionCount,
          directory,
          checkpointPosition,
          lastPosition,
        );
    }
    const planOf = async (store: BackupStore, backupId: number): Promise<RestorePlan> =>
      planBackupIdRestore({ backupId, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(store, backupId) });
    const fsPlan = await planOf(fsStore, 1);
    const mib = fsPlan.totalBytes / 1048576;
    process.stdout.write(
      `bench:restore (${shape} records): ${partitionCount} partitions, ${fsPlan.totalFiles} files, ${mib.toFixed(0)} MiB, ${records} records, parallelism ${parallelism}, best of ${rounds} alternating rounds\n`,
    );
    if (withFs) await benchFileSystem(fsPlan, await plansOf([fsStore, fsStoreV2], planOf), mib);
    if (withS3) {
      const s3Plan = await planOf(s3Store, 1);
      const s3Plans = await plansOf([s3Store, s3StoreV2], planOf);
      const [s3Raw = Number.NaN, ...s3Restores] = await bestAlternating(
        () =>
          parallelDownload(s3Plan, async (key, target) =>
            pipeline(
              (await rawS3.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `bench/${key}` }))).Body as Readable,
              createWriteStream(target),
            ),
          ),
        ...s3Plans.map(
          ({ store, plan }) =>
            () =>
              restoreInto(store, plan),
        ),
      );
      for (const [index, { format }] of s3Plans.entries()) {
        report(
          `restore of a ${formatLabel(format)} backup from S3 (s3rver)`,
          mib,
          s3Restores[index] ?? Number.NaN,
          'raw parallel GetObject + fsync',
          s3Raw,
        );
      }
    }
  } finally {
    rawS3.destroy();
    s3Store.destroy();
    s3StoreV2.destroy();
    await s3.close();
    if (process.env.CUTLINE_BENCH_KEEP !== '1') await rm(root, { recursive: true, force: true });
  }
}

interface FormatPlan {
  readonly format: number;
  readonly store: BackupStore;
  readonly plan: RestorePlan;
}

/** The plans of backup 1 in the formats asked for: `stores` holds the v1 upload, then the v2 one. */
async function plansOf(
  stores: readonly [BackupStore, BackupStore],
  planOf: (store: BackupStore, backupId: number) => Promise<RestorePlan>,
): Promise<FormatPlan[]> {
  return Promise.all(
    formats.map(async (format) => ({
      format,
      store: stores[format - 1] as BackupStore,
      plan: await planOf(stores[format - 1] as BackupStore, 1),
    })),
  );
}

async function benchFileSystem(fsPlan: RestorePlan, plans: readonly FormatPlan[], mib: number): Promise<void> {
  const [fsRaw = Number.NaN, ...fsRestores] = await bestAlternating(
    () =>
      parallelDownload(fsPlan, (key, target) =>
        pipeline(createReadStream(join(root, 'store', key), { highWaterMark: rawReadBytes }), createWriteStream(target)),
      ),
    ...plans.map(
      ({ store, plan }) =>
        () =>
          restoreInto(store, plan),
    ),
  );
  // The restore of v1 copies files with copy_file_range (the store's copyToFile), as cp does: the same copy without any check.
  const [fsKernelRaw = Number.NaN] = await bestAlternating(() =>
    parallelDownload(fsPlan, (key, target) => copyFile(join(root, 'store', key), target)),
  );
  for (const [index, { format }] of plans.entries()) {
    const seconds = fsRestores[index] ?? Number.NaN;
    report(`restore of a ${formatLabel(format)} backup (filesystem store)`, mib, seconds, 'raw parallel copy + fsync', fsRaw);
    report(`restore of a ${formatLabel(format)} backup (filesystem store)`, mib, seconds, 'raw parallel copyFile + fsync', fsKernelRaw);
  }
}

async function restoreInto(store: BackupStore, plan: RestorePlan): Promise<void> {
  const dataDirectory = join(root, `restore-${++runCounter}`);
  await executeRestore({ plan, store, dataDirectory, parallelism, clock: systemClock, random: systemRandom });
  await rm(dataDirectory, { recursive: true, force: true });
}

/** The baseline: `parallelism` workers copying whole objects to files and fsyncing them, no checks (and no ranged GETs). */
async function parallelDownload(plan: RestorePlan, copyObject: (key: string, target: string) => Promise<void>): Promise<void> {
  const directory = join(root, `raw-${++runCounter}`);
  await mkdir(directory, { recursive: true });
  const keys = plannedFiles(plan).map((file) => file.key);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < keys.length; index = next++) {
      const key = keys[index] ?? '';
      const target = join(directory, `${index}.bin`);
      await copyObject(key, target);
      const handle = await open(target, 'r+');
      await handle.sync();
      await handle.close();
    }
  };
  await Promise.all(Array.from({ length: parallelism }, worker));
  await rm(directory, { recursive: true, force: true });
}

/** The fastest of `rounds` runs of each, alternating them, so that a slow spell of the machine hits all alike. */
async function bestAlternating(...runs: (() => Promise<void>)[]): Promise<number[]> {
  const fastest = runs.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [index, run] of runs.entries())
      fastest[index] = Math.min(fastest[index] ?? Number.POSITIVE_INFINITY, await fastestSeconds(1, run));
  }
  return fastest;
}

function report(name: string, mib: number, seconds: number, baselineName: string, baselineSeconds: number): void {
  const rate = mib / seconds;
  const baseline = mib / baselineSeconds;
  process.stdout.write(
    `${name.padEnd(38)} ${rate.toFixed(1).padStart(8)} MiB/s   ${baselineName.padEnd(32)} ${baseline.toFixed(1).padStart(8)} MiB/s   ratio ${(rate / baseline).toFixed(2)}\n`,
  );
}

function formatLabel(format: number): string {
  return format === 1 ? 'v1' : `v${chunkedFormat} (${chunkCodec})`;
}

await main();
