// Restore's memory against the backup's size: the peak RSS of a restore of a large backup over that of a small one, each in a process of its own.
// CUTLINE_BENCH_MEMORY_MIB (default "256,4096": the first size is the baseline), CUTLINE_BENCH_MEMORY_SHAPE (large or engine,
// default large), CUTLINE_BENCH_RESTORE_PARTITIONS (default 4), CUTLINE_BENCH_RESTORE_PARALLELISM (default 8); both formats are restored
// (the same segments as a v1 and a v2 backup, from the filesystem store).
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { importBuilt } from './built.js';
import { uploadPartition, writePartitionLog, type Shape } from './restore-data.js';
import type * as FsStoreModule from '../src/store/fs-backup-store.js';

const sizesMiB = (process.env.CUTLINE_BENCH_MEMORY_MIB ?? '256,4096').split(',').map(Number);
const shape = (process.env.CUTLINE_BENCH_MEMORY_SHAPE ?? 'large') as Shape;
const partitionCount = Number(process.env.CUTLINE_BENCH_RESTORE_PARTITIONS ?? 4);
const parallelism = Number(process.env.CUTLINE_BENCH_RESTORE_PARALLELISM ?? 8);
const root = join(process.cwd(), '.bench-data', 'restore-memory');
const child = fileURLToPath(new URL('./restore-memory-child.ts', import.meta.url));
const { FileSystemBackupStore } = await importBuilt<typeof FsStoreModule>('store/fs-backup-store.js');

interface Measured {
  readonly maxRssMiB: number;
  readonly seconds: number;
  readonly bytes: number;
}

/** Writes the logs of `mib` MiB and uploads them as backup 1 to a v1 store and a v2 store; returns the two store directories. */
async function prepare(mib: number): Promise<{ v1: string; v2: string }> {
  const directory = join(root, `${mib}`);
  const stores = { v1: join(directory, 'store'), v2: join(directory, 'store-v2') };
  for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
    const logDirectory = join(directory, 'engine', String(partitionId));
    const { lastPosition, checkpointPosition } = await writePartitionLog(
      logDirectory,
      partitionId,
      partitionCount,
      shape,
      (mib * 1048576) / partitionCount,
    );
    const v1 = new FileSystemBackupStore(stores.v1);
    const v2 = new FileSystemBackupStore(stores.v2);
    await uploadPartition({ v1, v2 }, partitionId, partitionCount, logDirectory, checkpointPosition, lastPosition);
    // The restore reads the stores only: the logs can go.
    await rm(logDirectory, { recursive: true, force: true });
  }
  return stores;
}

async function restoreInChild(store: string, target: string): Promise<Measured> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, store, target, String(parallelism)], {
    maxBuffer: 1024 * 1024,
  });
  await rm(target, { recursive: true, force: true });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Measured;
}

async function main(): Promise<void> {
  if (sizesMiB.length < 2 || !sizesMiB.every((mib) => Number.isFinite(mib) && mib > 0))
    throw new Error('CUTLINE_BENCH_MEMORY_MIB: two sizes or more, in MiB, the baseline first');
  await rm(root, { recursive: true, force: true });
  process.stdout.write(
    `bench:restore-memory (${shape} records): ${partitionCount} partitions, parallelism ${parallelism}, sizes ${sizesMiB.join(', ')} MiB\n`,
  );
  const baseline = new Map<string, number>();
  try {
    for (const mib of sizesMiB) {
      const stores = await prepare(mib);
      for (const [format, store] of Object.entries(stores)) {
        const measured = await restoreInChild(store, join(root, `restore-${mib}-${format}`));
        const base = baseline.get(format) ?? measured.maxRssMiB;
        baseline.set(format, base);
        const rate = measured.bytes / 1048576 / measured.seconds;
        process.stdout.write(
          `restore of a ${format} backup of ${(measured.bytes / 1048576).toFixed(0).padStart(5)} MiB   peak RSS ${measured.maxRssMiB.toFixed(1).padStart(7)} MiB   ` +
            `${rate.toFixed(0).padStart(5)} MiB/s   peak RSS / that of the ${sizesMiB[0]} MiB backup: ratio ${(measured.maxRssMiB / base).toFixed(2)}\n`,
        );
      }
      if (process.env.CUTLINE_BENCH_KEEP !== '1') await rm(join(root, `${mib}`), { recursive: true, force: true });
    }
  } finally {
    if (process.env.CUTLINE_BENCH_KEEP !== '1') await rm(root, { recursive: true, force: true });
  }
}

await main();
