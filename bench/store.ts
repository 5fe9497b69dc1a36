// Upload throughput of the backup stores against a raw baseline of the same bytes, measured in the same run.
// Sizes: CUTLINE_BENCH_STORE_MIB (total, default 256) over CUTLINE_BENCH_STORE_FILES files (default 8), best of CUTLINE_BENCH_STORE_ROUNDS (3).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FileSystemBackupStore } from '../src/store/fs-backup-store.js';
import { S3BackupStore } from '../src/store/s3-backup-store.js';
import type { BackupStore } from '../src/store/backup-store.js';
import { uploadBackup } from '../src/backup/manifest-store.js';
import { fileStreamBody } from '../src/store/file-body.js';
import { systemClock } from '../src/clock.js';
import { startLoopbackS3 } from '../test/support/s3rver.js';

// The SDK's Node 20 notice about its future releases is noise in a benchmark's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const totalMiB = Number(process.env.CUTLINE_BENCH_STORE_MIB ?? 256);
const fileCount = Number(process.env.CUTLINE_BENCH_STORE_FILES ?? 8);
const rounds = Number(process.env.CUTLINE_BENCH_STORE_ROUNDS ?? 3);
const root = join(process.cwd(), '.bench-data', 'store');
const fileBytes = Math.floor((totalMiB * 1024 * 1024) / fileCount);
const totalBytes = fileBytes * fileCount;
let runCounter = 0;

async function main(): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'source'), { recursive: true });
  const sources: string[] = [];
  for (let index = 0; index < fileCount; index++) {
    const path = join(root, 'source', `${String(index).padStart(8, '0')}.log`);
    await writeFile(path, randomBytes(fileBytes));
    sources.push(path);
  }
  process.stdout.write(
    `bench:store: ${fileCount} files x ${(fileBytes / 1048576).toFixed(1)} MiB = ${(totalBytes / 1048576).toFixed(0)} MiB, best of ${rounds} rounds\n`,
  );
  const s3 = await startLoopbackS3('bench');
  try {
    const rawS3 = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const s3Store = (): S3BackupStore =>
      new S3BackupStore({
        bucket: s3.bucket,
        prefix: `store-${++runCounter}`,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: s3.credentials,
      });
    const fsStore = (): FileSystemBackupStore => new FileSystemBackupStore(join(root, `fs-${++runCounter}`));
    // Baseline and candidates alternate within each round, so load from elsewhere hits all alike.
    const [rawCopy, viaFsStore, viaFsBackup] = await bestInterleaved([
      () => rawFileCopy(sources),
      () => storePuts(fsStore(), sources),
      () => backupUpload(fsStore(), sources),
    ]);
    const [rawPut, viaS3Store, viaS3Backup] = await bestInterleaved([
      () => rawPutObjects(rawS3, s3.bucket, sources),
      () => storePuts(s3Store(), sources),
      () => backupUpload(s3Store(), sources),
    ]);
    rawS3.destroy();
    report('filesystem store put', viaFsStore, 'raw copy + fsync', rawCopy);
    report('filesystem uploadBackup (+SHA-256, manifests)', viaFsBackup, 'raw copy + fsync', rawCopy);
    report('S3 store put (s3rver, loopback)', viaS3Store, 'raw PutObject', rawPut);
    report('S3 uploadBackup (+SHA-256, manifests)', viaS3Backup, 'raw PutObject', rawPut);
  } finally {
    await s3.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** The fastest time of each run over the rounds, in seconds; each run writes to a fresh destination. */
type Run = () => Promise<void>;
async function bestInterleaved(runs: readonly [Run, Run, Run]): Promise<[number, number, number]> {
  const fastest: [number, number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let round = 0; round < rounds; round++) {
    for (const [index, run] of runs.entries()) {
      const started = process.hrtime.bigint();
      await run();
      fastest[index] = Math.min(fastest[index] ?? Number.POSITIVE_INFINITY, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
  return fastest;
}

async function rawFileCopy(sources: readonly string[]): Promise<void> {
  const directory = join(root, `raw-${++runCounter}`);
  await mkdir(directory, { recursive: true });
  for (const source of sources) {
    const target = join(directory, `${runCounter}-${source.slice(-12)}`);
    await pipeline(createReadStream(source, { highWaterMark: 1024 * 1024 }), createWriteStream(target));
    const handle = await open(target, 'r+');
    await handle.sync();
    await handle.close();
  }
}

async function storePuts(store: BackupStore, sources: readonly string[]): Promise<void> {
  for (const [index, source] of sources.entries()) {
    await store.put(`contents/1/1/0/segments/${index}.log`, fileStreamBody(source, fileBytes));
  }
  if (store instanceof S3BackupStore) store.destroy();
}

async function backupUpload(store: BackupStore, sources: readonly string[]): Promise<void> {
  const files = sources.map((source, index) => ({ path: `segments/${index}.log`, body: fileStreamBody(source, fileBytes) }));
  const descriptor = {
    snapshotId: null,
    snapshotProcessedPosition: 0,
    checkpointPosition: 1,
    checkpointTimestampMs: 0,
    checkpointType: 'MANUAL_BACKUP' as const,
    firstLogPosition: 1,
    lastLogPosition: 1,
    partitionCount: 1,
    engineVersion: 'bench',
  };
  await uploadBackup(store, { partitionId: 1, checkpointId: 1, nodeId: 0 }, descriptor, files, systemClock);
  if (store instanceof S3BackupStore) store.destroy();
}

async function rawPutObjects(client: S3Client, bucket: string, sources: readonly string[]): Promise<void> {
  const run = ++runCounter;
  for (const [index, source] of sources.entries()) {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `raw-${run}/${index}.log`,
        Body: createReadStream(source, { highWaterMark: 1024 * 1024 }),
        ContentLength: fileBytes,
      }),
    );
  }
}

function report(name: string, seconds: number, baselineName: string, baselineSeconds: number): void {
  const mibPerSecond = totalBytes / 1048576 / seconds;
  const baselineMibPerSecond = totalBytes / 1048576 / baselineSeconds;
  process.stdout.write(
    `${name.padEnd(48)} ${mibPerSecond.toFixed(1).padStart(8)} MiB/s   ${baselineName} ${baselineMibPerSecond.toFixed(1).padStart(8)} MiB/s   ratio ${(mibPerSecond / baselineMibPerSecond).toFixed(2)}\n`,
  );
}

await main();
