// Restore throughput from the filesystem store and from loopback S3 against a raw parallel download of the same objects, in one run.
// Sizes: CUTLINE_BENCH_RESTORE_MIB (backup size, default 1024) over CUTLINE_BENCH_RESTORE_PARTITIONS partitions (default 4);
// CUTLINE_BENCH_RESTORE_PARALLELISM (default 8) for both the restore and the baselines; CUTLINE_BENCH_RESTORE_ROUNDS (default 2);
// CUTLINE_BENCH_RESTORE_S3=0 skips the S3 half.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FileSystemBackupStore } from '../src/store/fs-backup-store.js';
import { S3BackupStore } from '../src/store/s3-backup-store.js';
import type { BackupStore } from '../src/store/backup-store.js';
import { listBackupManifests, uploadBackup, type BackupFileSource } from '../src/backup/manifest-store.js';
import { systemClock } from '../src/clock.js';
import { systemRandom } from '../src/random.js';
import { SegmentedLog } from '../src/log/segmented-log.js';
import { encodeRecord } from '../src/engine/records.js';
import { cutlineVersion } from '../src/version.js';
import { planBackupIdRestore } from '../src/restore/restore-planner.js';
import { plannedFiles, type RestorePlan } from '../src/restore/restore-plan.js';
import { executeRestore } from '../src/restore/restore-executor.js';
import { startLoopbackS3 } from '../test/support/s3rver.js';
import { fastestSeconds } from './bench-timing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const totalMiB = Number(process.env.CUTLINE_BENCH_RESTORE_MIB ?? 1024);
const partitionCount = Number(process.env.CUTLINE_BENCH_RESTORE_PARTITIONS ?? 4);
const parallelism = Number(process.env.CUTLINE_BENCH_RESTORE_PARALLELISM ?? 8);
const rounds = Number(process.env.CUTLINE_BENCH_RESTORE_ROUNDS ?? 2);
const withS3 = process.env.CUTLINE_BENCH_RESTORE_S3 !== '0';
const payloadBytes = 64 * 1024;
const root = join(process.cwd(), '.bench-data', 'restore');
let runCounter = 0;

async function main(): Promise<void> {
  await rm(root, { recursive: true, force: true });
  const fsStore = new FileSystemBackupStore(join(root, 'store'));
  const s3 = await startLoopbackS3('bench');
  const s3Store = new S3BackupStore({ bucket: s3.bucket, prefix: 'bench', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  const rawS3 = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  try {
    for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
      const { directory, lastPosition, checkpointPosition } = await writePartitionLog(partitionId);
      for (const store of withS3 ? [fsStore, s3Store] : [fsStore]) await uploadPartition(store, partitionId, directory, checkpointPosition, lastPosition);
    }
    const fsPlan = planBackupIdRestore({ backupId: 1, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(fsStore, 1) });
    const s3Plan = !withS3 ? undefined : planBackupIdRestore({ backupId: 1, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(s3Store, 1) });
    const mib = fsPlan.totalBytes / 1048576;
    process.stdout.write(`bench:restore: ${partitionCount} partitions, ${fsPlan.totalFiles} files, ${mib.toFixed(0)} MiB, parallelism ${parallelism}, best of ${rounds} rounds\n`);
    const fsRaw = await best(() => parallelDownload(fsPlan, (key) => Promise.resolve(createReadStream(join(root, 'store', key)))));
    const fsRestore = await best(() => restoreInto(fsStore, fsPlan));
    report('restore from the filesystem store', mib, fsRestore, 'raw parallel copy + fsync', fsRaw);
    if (s3Plan !== undefined) {
      const s3Raw = await best(() => parallelDownload(s3Plan, async (key) => (await rawS3.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `bench/${key}` }))).Body as Readable));
      const s3Restore = await best(() => restoreInto(s3Store, s3Plan));
      report('restore from S3 (s3rver, loopback)', mib, s3Restore, 'raw parallel GetObject + fsync', s3Raw);
    }
  } finally {
    rawS3.destroy();
    s3Store.destroy();
    await s3.close();
    if (process.env.CUTLINE_BENCH_KEEP !== '1') await rm(root, { recursive: true, force: true });
  }
}

/** A partition log of about totalMiB / partitionCount MiB: instances with 64 KiB keys, the checkpoint record, a few records after it. */
async function writePartitionLog(partitionId: number): Promise<{ directory: string; lastPosition: number; checkpointPosition: number }> {
  const directory = join(root, 'engine', String(partitionId));
  await mkdir(directory, { recursive: true });
  const log = SegmentedLog.open({ directory });
  const records = Math.ceil((totalMiB * 1048576) / partitionCount / payloadBytes);
  const key = 'k'.repeat(payloadBytes - 40);
  for (let index = 0; index < records; index++) log.append([encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey: `${index}-${key}` } }, Date.now())]);
  const checkpointPosition = log.append([encodeRecord({ type: 'CHECKPOINT_CREATE', value: { checkpointId: 1, checkpointType: 'MANUAL_BACKUP' } }, Date.now())]);
  for (let index = 0; index < 3; index++) log.append([encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey: `after-${index}` } }, Date.now())]);
  log.flush();
  const lastPosition = log.lastPosition;
  log.close();
  return { directory, lastPosition, checkpointPosition };
}

/** Uploads the log's segments as the backup manager names them (by first position), without a snapshot. */
async function uploadPartition(store: BackupStore, partitionId: number, directory: string, checkpointPosition: number, lastPosition: number): Promise<void> {
  const log = SegmentedLog.open({ directory, readOnly: true });
  const sources: BackupFileSource[] = log.segments().map((segment) => ({
    path: `segments/${String(segment.firstPosition).padStart(20, '0')}.log`,
    body: { sizeBytes: segment.sizeBytes, open: () => createReadStream(segment.path) },
  }));
  log.close();
  const descriptor = {
    snapshotId: null,
    snapshotProcessedPosition: 0,
    checkpointPosition,
    checkpointTimestampMs: Date.now(),
    checkpointType: 'MANUAL_BACKUP' as const,
    firstLogPosition: 1,
    lastLogPosition: lastPosition,
    partitionCount,
    engineVersion: cutlineVersion,
  };
  await uploadBackup(store, { partitionId, checkpointId: 1, nodeId: 0 }, descriptor, sources, systemClock);
}

async function restoreInto(store: BackupStore, plan: RestorePlan): Promise<void> {
  const dataDirectory = join(root, `restore-${++runCounter}`);
  await executeRestore({ plan, store, dataDirectory, parallelism, clock: systemClock, random: systemRandom });
  await rm(dataDirectory, { recursive: true, force: true });
}

/** The baseline: `parallelism` workers streaming whole objects to files and fsyncing them, no checks. */
async function parallelDownload(plan: RestorePlan, openObject: (key: string) => Promise<Readable>): Promise<void> {
  const directory = join(root, `raw-${++runCounter}`);
  await mkdir(directory, { recursive: true });
  const keys = plannedFiles(plan).map((file) => file.key);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < keys.length; index = next++) {
      const key = keys[index] ?? '';
      const target = join(directory, `${index}.bin`);
      await pipeline(await openObject(key), createWriteStream(target));
      const handle = await open(target, 'r+');
      await handle.sync();
      await handle.close();
    }
  };
  await Promise.all(Array.from({ length: parallelism }, worker));
  await rm(directory, { recursive: true, force: true });
}

function best(run: () => Promise<void>): Promise<number> {
  return fastestSeconds(rounds, run);
}

function report(name: string, mib: number, seconds: number, baselineName: string, baselineSeconds: number): void {
  const rate = mib / seconds;
  const baseline = mib / baselineSeconds;
  process.stdout.write(`${name.padEnd(38)} ${rate.toFixed(1).padStart(8)} MiB/s   ${baselineName.padEnd(32)} ${baseline.toFixed(1).padStart(8)} MiB/s   ratio ${(rate / baseline).toFixed(2)}\n`);
}

await main();
