// The one entry point of a restore for its callers (the CLI): plan it (by backup id or to a point in time), then, unless a dry run, carry it out.
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { listBackupManifests } from '../backup/manifest-store.js';
import type { BackupStore } from '../store/backup-store.js';
import { RetryingBackupStore } from '../store/retrying-backup-store.js';
import { planBackupIdRestore } from './restore-planner.js';
import { planPointInTimeRestore, type PointInTimeTarget } from './pitr-planner.js';
import { readPointInTimeListing } from './pitr-listing.js';
import type { RestorePlan } from './restore-plan.js';
import type { DownloadProgress } from './restore-download.js';
import { executeRestore, type RestoreResult } from './restore-executor.js';
import { appendTraceEvent, checkPlanAgainstTrace, openRestoreTrace, restoredTraceEvent } from './restore-trace.js';

// What a caller of the restore needs besides runRestore, named here so that it has one place to look.
export { realTargetDirectory } from './restore-target.js';
export type { RestorePlan } from './restore-plan.js';
export type { DownloadProgress } from './restore-download.js';
export type { RestoreResult } from './restore-executor.js';

/** What to restore to: a backup id (`--backupId`), or a point in time (`--to` / `--to-checkpoint`). */
export type RestoreGoal = { readonly backupId: number } | PointInTimeTarget;

/** How the caller watches a restore that it planned: cancellation and download progress. */
export interface RestoreWatch {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
}

export interface RunRestoreRequest {
  /** The store as opened; planning reads it through a retrying wrapper, the executor retries by itself. */
  readonly store: BackupStore;
  readonly goal: RestoreGoal;
  /** The node being restored (0-based) and the number of nodes of the cluster: they decide which partitions it owns. */
  readonly nodeId: number;
  readonly clusterSize: number;
  /** The real target directory (realTargetDirectory): every step works on the one directory it names. */
  readonly dataDirectory: string;
  readonly parallelism: number;
  /** Plan only: nothing is downloaded and the target is not touched. */
  readonly dryRun: boolean;
  readonly clock: Clock;
  readonly random: Random;
  /**
   * Called with the plan once it is made and before anything is written (never on a dry run); what it
   * returns watches the execution. A caller sets up cancellation here, so that it only ever cancels a
   * restore that runs, never its planning.
   */
  readonly onPlanned?: (plan: RestorePlan) => RestoreWatch;
  /**
   * A protocol trace (`cutline engine start --trace`) to append the restore's `restored` event to. Checked before
   * planning (TRACE_INVALID) and against the plan (every partition restored) before anything is written.
   */
  readonly tracePath?: string;
}

export interface RunRestoreOutcome {
  readonly plan: RestorePlan;
  /** Undefined on a dry run. */
  readonly result: RestoreResult | undefined;
}

/** Plans the restore and, unless it is a dry run, carries it out (restore-executor.ts says how). */
export async function runRestore(request: RunRestoreRequest): Promise<RunRestoreOutcome> {
  const trace = request.tracePath === undefined ? undefined : openRestoreTrace(request.tracePath);
  const plan = await planRestore(request, new RetryingBackupStore(request.store, request.random));
  if (request.dryRun) return { plan, result: undefined };
  if (trace !== undefined) checkPlanAgainstTrace(plan, trace);
  const watch = request.onPlanned?.(plan) ?? {};
  const result = await executeRestore({
    plan,
    store: request.store,
    dataDirectory: request.dataDirectory,
    parallelism: request.parallelism,
    clock: request.clock,
    random: request.random,
    ...(watch.signal === undefined ? {} : { signal: watch.signal }),
    ...(watch.onProgress === undefined ? {} : { onProgress: watch.onProgress }),
  });
  // A restore an earlier run completed is in the trace already, if that run was given it.
  if (trace !== undefined && result.status === 'restored') appendTraceEvent(trace, restoredTraceEvent(plan.target.backupId, result));
  return { plan, result };
}

/** The plan of a backup id, from its manifests; or of a point in time, from every manifest and each partition's checkpoints. */
async function planRestore(request: RunRestoreRequest, store: BackupStore): Promise<RestorePlan> {
  const { goal, nodeId, clusterSize } = request;
  if ('backupId' in goal) {
    return planBackupIdRestore({
      backupId: goal.backupId,
      nodeId,
      clusterSize,
      manifests: await listBackupManifests(store, goal.backupId),
    });
  }
  const listing = await readPointInTimeListing(store);
  return planPointInTimeRestore({ target: goal, nodeId, clusterSize, ...listing });
}
