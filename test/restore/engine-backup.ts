// Test fixture: a real engine run with cross-partition workload, backed up by the real BackupManager, with the state at each cut.
import { Workload } from '../../src/engine/workload.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import type { Manifest } from '../../src/backup/manifest.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import type { TestCluster } from '../engine/helpers.js';
import { openBackupTestCluster, waitForBackup } from '../support/backup-fixtures.js';

export interface EngineBackup {
  readonly checkpointId: number;
  /** Per partition: the checkpoint position and the state the engine had when it had processed exactly up to it. */
  readonly cuts: ReadonlyMap<number, { readonly position: number; readonly state: Record<string, unknown[]> }>;
  readonly manifests: readonly Manifest[];
}

export interface EngineBackupOptions {
  readonly seed: number;
  readonly partitionCount: number;
  readonly checkpointId?: number;
  readonly instances?: number;
}

/** Delivers, processes and retries until nothing is in flight or unacknowledged. */
export function settle(running: TestCluster): void {
  for (let round = 0; round < 10_000; round++) {
    running.clock.advance(200);
    running.transport.deliverDue();
    for (const partition of running.cluster.partitions()) partition.processAvailable();
    for (const partition of running.cluster.partitions()) partition.retryDue();
    const idle = running.cluster.partitions().every((partition) => !partition.hasUnprocessed() && !partition.hasOutbox());
    if (idle && running.transport.pending().length === 0) return;
  }
  throw new Error('the cluster did not settle');
}

/**
 * Creates instances and publishes their messages across partitions, leaving commands in flight, then
 * takes backup `checkpointId` through the BackupManager. Before anything else is processed, each
 * partition processes exactly up to its checkpoint record and its state is recorded: the state a
 * restore must rebuild. More workload follows, so the backed-up segments hold records after the cut.
 */
export async function produceEngineBackup(store: BackupStore, options: EngineBackupOptions): Promise<EngineBackup> {
  const running = openBackupTestCluster(options.seed, store, { partitionCount: options.partitionCount });
  const { cluster, transport, manager } = running;
  try {
    await manager.start(cluster);
    const workload = new Workload(cluster, running.random);
    const instances = options.instances ?? 60;
    for (let index = 0; index < instances; index++) workload.createOne();
    settle(running);
    for (let index = 0; index < instances; index++) {
      workload.publishOne();
      if (index % 3 === 0) transport.deliverDue(2);
      for (const partition of cluster.partitions()) partition.processBatch(5);
    }
    // Commands are in flight now: some cross the cut (sent before it, received after it).
    const checkpointId = await manager.takeBackup(options.checkpointId ?? 1);
    const cuts = new Map<number, { position: number; state: Record<string, unknown[]> }>();
    for (const partition of cluster.partitions()) {
      const position = partition.log.lastPosition;
      partition.processAvailable(position);
      cuts.set(partition.partitionId, { position, state: partition.dumpState() });
    }
    for (let index = 0; index < instances / 2; index++) workload.step();
    settle(running);
    const status = await waitForBackup(cluster, manager, checkpointId);
    if (status.partitions.some((partition) => partition.status !== 'COMPLETED'))
      throw new Error(`backup ${checkpointId} failed: ${JSON.stringify(status)}`);
    return { checkpointId, cuts, manifests: await listBackupManifests(store, checkpointId) };
  } finally {
    await manager.settled();
    cluster.close();
  }
}
