// One restore in a process of its own, for bench:restore-memory: prints its peak RSS (the process's lifetime maximum) as JSON.
import { importBuilt } from './built.js';
import type * as FsStoreModule from '../src/store/fs-backup-store.js';
import type * as ManifestStoreModule from '../src/backup/manifest-store.js';
import type * as PlannerModule from '../src/restore/restore-planner.js';
import type * as ExecutorModule from '../src/restore/restore-executor.js';
import type * as ClockModule from '../src/clock.js';
import type * as RandomModule from '../src/random.js';

const { FileSystemBackupStore } = await importBuilt<typeof FsStoreModule>('store/fs-backup-store.js');
const { listBackupManifests } = await importBuilt<typeof ManifestStoreModule>('backup/manifest-store.js');
const { planBackupIdRestore } = await importBuilt<typeof PlannerModule>('restore/restore-planner.js');
const { executeRestore } = await importBuilt<typeof ExecutorModule>('restore/restore-executor.js');
const { systemClock } = await importBuilt<typeof ClockModule>('clock.js');
const { systemRandom } = await importBuilt<typeof RandomModule>('random.js');

const [storeDirectory, dataDirectory, parallelism] = process.argv.slice(2);
if (storeDirectory === undefined || dataDirectory === undefined || parallelism === undefined)
  throw new Error('usage: restore-memory-child.ts STORE DATA_DIRECTORY PARALLELISM');
const store = new FileSystemBackupStore(storeDirectory);
const plan = planBackupIdRestore({ backupId: 1, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(store, 1) });
const started = performance.now();
await executeRestore({ plan, store, dataDirectory, parallelism: Number(parallelism), clock: systemClock, random: systemRandom });
const seconds = (performance.now() - started) / 1000;
// maxRSS is in KiB, and counts the file-check worker threads too (they share the process).
const { heapTotal, external, arrayBuffers } = process.memoryUsage();
const atEnd = { heapTotalMiB: heapTotal / 1048576, externalMiB: external / 1048576, arrayBuffersMiB: arrayBuffers / 1048576 };
process.stdout.write(`${JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024, seconds, bytes: plan.totalBytes, atEnd })}\n`);
