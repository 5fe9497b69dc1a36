// The point-in-time restore checker: restores to a random checkpoint through the stitching planner and checks it as a backup restore is checked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom, type Random } from '../../src/random.js';
import { isCutlineError } from '../../src/errors.js';
import { partitionMetadataOf, writePartitionMetadata } from '../../src/backup/backup-metadata.js';
import { readPointInTimeListing } from '../../src/restore/pitr-listing.js';
import { planPointInTimeRestore } from '../../src/restore/pitr-planner.js';
import { executeRestore, type RestoreResult } from '../../src/restore/restore-executor.js';
import type { RestorePlan } from '../../src/restore/restore-plan.js';
import type { SimViolation } from './sim-checks.js';
import { checkRestoredBackup } from './sim-restore-check.js';
import { restoredTraceEvent } from '../../src/restore/restore-trace.js';
import { simTemporaryDirectory, type SimWorld } from './sim-world.js';

export interface PointInTimeCheckResult {
  readonly violations: SimViolation[];
  readonly restored: number;
  /** Checkpoints the planner refused (a gap: compaction outside continuous mode, a failed or lost backup). */
  readonly refused: number;
}

/** The planner's restore to `checkpointId` (a MARKER or a backup checkpoint), or undefined when it refuses. */
async function planTo(world: SimWorld, checkpointId: number): Promise<RestorePlan | undefined> {
  // What the continuous-backup service writes: each partition's checkpoints, the MARKERs among them.
  for (const partition of world.cluster.partitions())
    await writePartitionMetadata(world.store.inner, partitionMetadataOf(partition, world.clock));
  try {
    const listing = await readPointInTimeListing(world.store.inner);
    return planPointInTimeRestore({ target: { checkpointId }, nodeId: 0, clusterSize: 1, ...listing });
  } catch (error) {
    if (isCutlineError(error)) return undefined;
    throw error;
  }
}

/**
 * Restores to a random checkpoint id with `cutline restore --to-checkpoint` (stitching consecutive backups)
 * and checks the result like a backup restore (RestoreEqualsCut, ConsistentCut, RestoredEngineCompletes).
 */
export async function checkPointInTimeRestore(world: SimWorld, random: Random): Promise<PointInTimeCheckResult> {
  const result = { violations: [] as SimViolation[], restored: 0, refused: 0 };
  const last = world.scheduler.nextCheckpointId - 1;
  if (last < 1) return result;
  const plan = await planTo(world, 1 + random.int(last));
  if (plan === undefined) return { ...result, refused: 1 };
  const checkpointId = plan.target.backupId;
  const directory = simTemporaryDirectory('sim-pitr');
  try {
    const target = path.join(directory, 'data');
    let restored: RestoreResult;
    try {
      restored = await executeRestore({
        plan,
        store: world.store.inner,
        dataDirectory: target,
        parallelism: 1,
        clock: new ManualClock(world.clock.nowMs()),
        random: new SeededRandom(random.int(0x7fff_ffff)),
        wait: () => Promise.resolve(),
      });
    } catch (error) {
      const lostWrites = world.store.faults().some((fault) => fault.kind === 'lose-write');
      if (lostWrites && isCutlineError(error) && error.code !== 'RESTORE_INCONSISTENT') return { ...result, refused: 1 };
      const described = isCutlineError(error) ? `${error.code}: ${error.message}` : String(error);
      const invariant = isCutlineError(error) && error.code === 'RESTORE_INCONSISTENT' ? 'ConsistentCut' : 'RestoreSucceeds';
      return { ...result, violations: [{ invariant, message: `point-in-time restore to ${checkpointId} failed: ${described}` }] };
    }
    world.trace.emit(restoredTraceEvent(checkpointId, restored));
    return { ...result, restored: 1, violations: checkRestoredBackup(world, checkpointId, target, restored) };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
