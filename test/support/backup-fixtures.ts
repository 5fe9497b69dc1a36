// Producing real backups from a running cluster in tests: take one through the BackupManager and wait until every partition confirmed it.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../src/engine/cluster.js';
import { BackupManager, type BackupManagerOptions } from '../../src/backup/backup-manager.js';
import type { BackupHook } from '../../src/engine/backup-hook.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import { SimulationScheduler } from '../../src/engine/simulation.js';
import { Workload } from '../../src/engine/workload.js';
import { SeededRandom } from '../../src/random.js';
import { openTestCluster, type TestCluster } from '../engine/helpers.js';
import { readBackupStatus, type BackupStatus } from '../../src/backup/backup-status.js';
import { isCutlineError } from '../../src/errors.js';
import type { ContinuousBackups } from '../../src/backup/continuous-backups.js';

export interface TakeBackupOptions {
  /**
   * Moves the engine on between waits; by default every due command is delivered and every partition
   * processes all it has (so the checkpoint records and the confirmations get processed).
   */
  readonly drive?: () => void;
  /** Rounds of drive + wait before giving up (default 2000). */
  readonly roundsMax?: number;
  /** Pause between rounds; 0 (the default) only yields to the event loop. Use ~20 with a running engine pump. */
  readonly pollIntervalMs?: number;
}

/** Delivers due commands and processes every partition until nothing is left (the default drive). */
export function driveToQuiet(cluster: Cluster): void {
  for (let round = 0; round < 100; round++) {
    const delivered = cluster.options.transport.deliverDue();
    let processed = 0;
    for (const partition of cluster.partitions()) processed += partition.processAvailable();
    if (delivered === 0 && processed === 0) return;
  }
}

/**
 * Takes backup `backupId` (or a generated id) and returns its status once every partition's backup is
 * COMPLETED or FAILED and each running partition has processed its BACKUP_CONFIRMED record.
 * The restore and verify tests use it to make real backups.
 */
export async function takeBackupAndWait(
  cluster: Cluster,
  manager: BackupManager,
  backupId?: number,
  options: TakeBackupOptions = {},
): Promise<BackupStatus> {
  const drive = options.drive ?? (() => driveToQuiet(cluster));
  const id = await manager.takeBackup(backupId);
  return waitForBackup(cluster, manager, id, { ...options, drive });
}

/** Waits, driving the engine, until backup `backupId` is final on every partition (see takeBackupAndWait). */
export async function waitForBackup(
  cluster: Cluster,
  manager: BackupManager,
  backupId: number,
  options: TakeBackupOptions = {},
): Promise<BackupStatus> {
  const drive = options.drive ?? (() => driveToQuiet(cluster));
  let last: BackupStatus | undefined;
  for (let round = 0; round < (options.roundsMax ?? 2000); round++) {
    drive();
    await manager.settled();
    drive();
    last = await readBackupStatus(manager.store, backupId, cluster.options.partitionCount).catch((error: unknown) => {
      if (isCutlineError(error) && error.code === 'BACKUP_NOT_FOUND') return undefined;
      throw error;
    });
    const final =
      last !== undefined &&
      last.partitions.length === cluster.options.partitionCount &&
      last.partitions.every((p) => p.status === 'COMPLETED' || p.status === 'FAILED');
    const confirmed = cluster
      .partitions()
      .every((partition) => partition.confirmedBackups().some((backup) => backup.checkpointId === backupId));
    if (final && confirmed && last !== undefined) return last;
    if ((options.pollIntervalMs ?? 0) > 0) await sleep(options.pollIntervalMs);
    else await nextTurn();
  }
  throw new Error(`backup ${backupId} did not finish: ${JSON.stringify(last)}`);
}

export interface BackupTestCluster extends TestCluster {
  readonly manager: BackupManager;
  readonly store: BackupStore;
  /** The seeded scheduler over the cluster with a workload (no checkpoints of its own). */
  readonly scheduler: SimulationScheduler;
}

/**
 * A test cluster (test/engine/helpers.ts: manual clock, seeded random, unsynced files) whose backup hook
 * is a BackupManager writing to `store`, plus a seeded scheduler with a workload. Call
 * `await manager.start(cluster)` before taking backups.
 */
export function openBackupTestCluster(
  seed: number,
  store: BackupStore,
  overrides: Parameters<typeof openTestCluster>[1] = {},
  managerOptions: Pick<BackupManagerOptions, 'log' | 'reconcileRetryMs'> = {},
): BackupTestCluster {
  // The hook must exist when the cluster opens, and the manager uses the cluster's clock: the hook forwards.
  const target: { manager?: BackupManager } = {};
  const hook: BackupHook = { checkpointCreated: (checkpoint) => target.manager?.checkpointCreated(checkpoint) };
  const opened = openTestCluster(seed, {
    partitionCount: 3,
    snapshotIntervalRecords: 40,
    segmentSizeBytes: 8 * 1024,
    ...overrides,
    backupHook: hook,
  });
  const manager = new BackupManager({ store, clock: opened.clock, uploadParallelism: 3, ...managerOptions });
  target.manager = manager;
  const scheduler = new SimulationScheduler(
    opened.cluster,
    opened.transport,
    new Workload(opened.cluster, new SeededRandom(seed + 1)),
    opened.clock,
    opened.random,
    {
      workloadProbability: 0.6,
      checkpointProbability: 0,
      triggerDelayMsMax: 20,
      checkpointTypes: ['MARKER'],
    },
  );
  return { ...opened, manager, store, scheduler };
}

/**
 * Runs a continuous-backup cluster for `seconds` simulated seconds: each second some workload, the
 * clock, a scheduler/retention tick, the uploads, and processing to quiet; then syncs metadata.json.
 */
export async function runContinuousSeconds(opened: BackupTestCluster, service: ContinuousBackups, seconds: number): Promise<void> {
  for (let second = 0; second < seconds; second++) {
    opened.scheduler.run(5);
    opened.clock.advance(1_000);
    await service.tick();
    await opened.manager.settled();
    driveToQuiet(opened.cluster);
  }
  await service.syncMetadata();
}
