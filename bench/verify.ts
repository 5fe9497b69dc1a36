// verify-backup --level full throughput against a raw read + SHA-256 of the same bytes, measured in the same run.
// Size: CUTLINE_BENCH_VERIFY_MIB (log bytes over all partitions, default 320) in CUTLINE_BENCH_VERIFY_PARTITIONS partitions (default 2).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { FileSystemBackupStore } from '../src/store/fs-backup-store.js';
import { uploadBackup, type BackupFileSource } from '../src/backup/manifest-store.js';
import { contentKey } from '../src/backup/backup-layout.js';
import { ManualClock } from '../src/clock.js';
import { SegmentedLog } from '../src/log/segmented-log.js';
import { encodeRecord, type EngineRecordBody } from '../src/engine/records.js';
import { segmentBytesDefault } from '../src/limits.js';
import { verifyBackups } from '../src/verify/verify-backup.js';
import { allFindings } from '../src/verify/findings.js';

const totalMiB = Number(process.env.CUTLINE_BENCH_VERIFY_MIB ?? 320);
const partitionCount = Number(process.env.CUTLINE_BENCH_VERIFY_PARTITIONS ?? 2);
const rounds = Number(process.env.CUTLINE_BENCH_VERIFY_ROUNDS ?? 2);
const payloadBytes = 4096;
const root = join(process.cwd(), '.bench-data', 'verify');
const backupId = 1;

/** Writes each partition's log with the real segment writer: CREATE_INSTANCE records, then the checkpoint record. */
async function buildBackup(store: FileSystemBackupStore): Promise<number> {
  const clock = new ManualClock(1_700_000_000_000);
  const recordsPerPartition = Math.max(1, Math.floor((totalMiB * 1024 * 1024) / partitionCount / (payloadBytes + 26)));
  let totalBytes = 0;
  for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
    const directory = join(root, 'engine', String(partitionId));
    const log = SegmentedLog.open({ directory, segmentSizeBytes: segmentBytesDefault });
    const padding = 'x'.repeat(payloadBytes - 40);
    for (let written = 0; written < recordsPerPartition; written += 1000) {
      const batch: EngineRecordBody[] = Array.from({ length: Math.min(1000, recordsPerPartition - written) }, (_, index) => ({
        type: 'CREATE_INSTANCE',
        value: { correlationKey: `${written + index}-${padding}` },
      }));
      log.append(batch.map((body) => encodeRecord(body, clock.nowMs())));
    }
    const checkpointPosition = log.append([
      encodeRecord({ type: 'CHECKPOINT_CREATE', value: { checkpointId: backupId, checkpointType: 'MANUAL_BACKUP' } }, clock.nowMs()),
    ]);
    log.flush();
    const segments = log.segments();
    log.close();
    const sources: BackupFileSource[] = segments.map((segment) => ({
      path: `segments/${String(segment.firstPosition).padStart(20, '0')}.log`,
      body: { sizeBytes: segment.sizeBytes, open: () => createReadStream(segment.path) },
    }));
    totalBytes += segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
    await uploadBackup(
      store,
      { partitionId, checkpointId: backupId, nodeId: 0 },
      {
        snapshotId: null,
        snapshotProcessedPosition: 0,
        checkpointPosition,
        checkpointTimestampMs: clock.nowMs(),
        checkpointType: 'MANUAL_BACKUP',
        firstLogPosition: 1,
        lastLogPosition: checkpointPosition,
        partitionCount,
        engineVersion: '0.1.0',
      },
      sources,
      clock,
    );
    await rm(directory, { recursive: true, force: true });
  }
  return totalBytes;
}

/** The baseline: read every content file of the backup from the store directory and hash it, one after another. */
async function rawReadAndHash(store: FileSystemBackupStore, directory: string): Promise<void> {
  for await (const entry of store.list('contents/')) {
    const hash = createHash('sha256');
    await pipeline(
      createReadStream(join(directory, entry.key)),
      new Writable({ write: (chunk: Buffer, _encoding, callback) => (hash.update(chunk), callback()) }),
    );
    hash.digest('hex');
  }
}

async function timeMs(body: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const directory = join(root, 'store');
  const store = new FileSystemBackupStore(directory);
  const bytes = await buildBackup(store);
  const mib = bytes / 1048576;
  process.stdout.write(
    `bench:verify: backup ${backupId}, ${partitionCount} partitions, ${mib.toFixed(0)} MiB of segments (${contentKey({ partitionId: 1, checkpointId: backupId, nodeId: 0 }, 'segments/x.log').split('/').slice(0, 4).join('/')}/...), best of ${rounds} rounds\n`,
  );
  let rawBestMs = Infinity;
  let verifyBestMs = Infinity;
  for (let round = 0; round < rounds; round++) {
    rawBestMs = Math.min(rawBestMs, await timeMs(() => rawReadAndHash(store, directory)));
    verifyBestMs = Math.min(
      verifyBestMs,
      await timeMs(async () => {
        const report = await verifyBackups(store, { backupId }, { level: 'full', temporaryDirectory: root });
        const findings = allFindings(report);
        if (findings.length > 0) throw new Error(`the benchmark backup has findings: ${JSON.stringify(findings.slice(0, 3))}`);
      }),
    );
  }
  const rawMiBs = mib / (rawBestMs / 1000);
  const verifyMiBs = mib / (verifyBestMs / 1000);
  process.stdout.write(`raw read + SHA-256:          ${rawBestMs.toFixed(0)} ms, ${rawMiBs.toFixed(0)} MiB/s\n`);
  process.stdout.write(`verify-backup --level full:  ${verifyBestMs.toFixed(0)} ms, ${verifyMiBs.toFixed(0)} MiB/s\n`);
  process.stdout.write(`ratio verify / raw throughput: ${(verifyMiBs / rawMiBs).toFixed(2)}\n`);
  if (process.env.CUTLINE_BENCH_VERIFY_KEEP === undefined) await rm(root, { recursive: true, force: true });
}

await main();
