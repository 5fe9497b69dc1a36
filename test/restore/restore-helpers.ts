// Helpers for restore tests: planning from a store, running a restore with small ranges, and looking at a target.
import { readdir } from 'node:fs/promises';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { planBackupIdRestore } from '../../src/restore/restore-planner.js';
import type { RestorePlan } from '../../src/restore/restore-plan.js';
import { executeRestore, type RestoreRequest, type RestoreResult } from '../../src/restore/restore-executor.js';

export async function planFromStore(store: BackupStore, backupId: number, nodeId = 0, clusterSize = 1): Promise<RestorePlan> {
  return planBackupIdRestore({ backupId, nodeId, clusterSize, manifests: await listBackupManifests(store, backupId) });
}

/** A restore with ranges of a few KiB, so that even small test segments are fetched as several ranged GETs. */
export function restore(
  plan: RestorePlan,
  store: BackupStore,
  dataDirectory: string,
  extra: Partial<RestoreRequest> = {},
): Promise<RestoreResult> {
  return executeRestore({
    plan,
    store,
    dataDirectory,
    parallelism: 4,
    clock: new ManualClock(1_800_000_000_000),
    random: new SeededRandom(7),
    wait: () => Promise.resolve(),
    rangedGetBytesMin: 4 * 1024,
    rangeBytes: 3 * 1024,
    ...extra,
  });
}

/** The entries of a directory, sorted; undefined when it does not exist. */
export async function entriesOf(directory: string): Promise<string[] | undefined> {
  try {
    return (await readdir(directory)).sort();
  } catch {
    return undefined;
  }
}
