// The restore checker: restores a completed backup into a fresh directory, compares it with the cut, and resumes it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom, type Random } from '../../src/random.js';
import { isCutlineError } from '../../src/errors.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { findOrphans } from '../../src/engine/consistency.js';
import { partitionForKey } from '../../src/engine/partitioning.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { planBackupIdRestore } from '../../src/restore/restore-planner.js';
import { executeRestore, type RestoreResult } from '../../src/restore/restore-executor.js';
import { RetryingBackupStore } from '../../src/store/retrying-backup-store.js';
import { restoredTraceEvent } from '../../src/restore/restore-trace.js';
import { restoreFaultStore } from './sim-store.js';
import { allRecords, comparableState, firstDifference, type SimViolation } from './sim-checks.js';
import { mutationOptions } from './sim-config.js';
import { simTemporaryDirectory, unsyncedFileSystem, type SimWorld } from './sim-world.js';

export interface RestoreCheckResult {
  readonly violations: SimViolation[];
  readonly restored: number;
  /** Restores refused because an injected lost write removed part of the backup (expected). */
  readonly refusedAfterLostWrite: number;
}

/** Backup ids that every partition confirmed COMPLETED, in id order. */
export function completedBackupIds(world: SimWorld): number[] {
  const partitionsById = new Map<number, Set<number>>();
  for (const outcome of world.manager.outcomes) {
    if (outcome.status !== 'COMPLETED') continue;
    const set = partitionsById.get(outcome.checkpointId) ?? new Set<number>();
    set.add(outcome.partitionId);
    partitionsById.set(outcome.checkpointId, set);
  }
  return [...partitionsById]
    .filter(([, set]) => set.size === world.config.partitionCount)
    .map(([id]) => id)
    .sort((a, b) => a - b);
}

/** Restores up to `backupsMax` completed backups chosen at random and checks each (see checkRestoredBackup). */
export async function checkRestores(world: SimWorld, random: Random, backupsMax: number): Promise<RestoreCheckResult> {
  const candidates = completedBackupIds(world);
  const result = { violations: [] as SimViolation[], restored: 0, refusedAfterLostWrite: 0 };
  for (let count = 0; count < backupsMax && candidates.length > 0; count++) {
    const [backupId] = candidates.splice(random.int(candidates.length), 1);
    if (backupId === undefined) break;
    const directory = simTemporaryDirectory('sim-restore');
    try {
      const restored = await restoreBackup(world, backupId, path.join(directory, 'data'), random);
      if (restored === 'refused-after-lost-write') result.refusedAfterLostWrite++;
      else if ('violation' in restored) result.violations.push(restored.violation);
      else {
        result.restored++;
        world.trace.emit(restoredTraceEvent(backupId, restored.result));
        result.violations.push(...checkRestoredBackup(world, backupId, path.join(directory, 'data'), restored.result));
      }
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
  return result;
}

type RestoreAttempt = 'refused-after-lost-write' | { violation: SimViolation } | { result: RestoreResult };

/** Plans and runs `cutline restore --backupId` on one node owning every partition, with GET faults. */
async function restoreBackup(world: SimWorld, backupId: number, target: string, random: Random): Promise<RestoreAttempt> {
  // As `cutline restore` does: transient failures are retried by the retrying wrapper around the store.
  const faulty = restoreFaultStore(world.store.inner, new SeededRandom(random.int(0x7fff_ffff)), world.config.restoreGetFailProbability);
  const store = new RetryingBackupStore(faulty, new SeededRandom(random.int(0x7fff_ffff)), undefined, () => Promise.resolve());
  try {
    const manifests = await listBackupManifests(store, backupId);
    const plan = planBackupIdRestore({ backupId, nodeId: 0, clusterSize: 1, manifests });
    const result = await executeRestore({
      plan,
      store,
      dataDirectory: target,
      parallelism: 1,
      clock: new ManualClock(world.clock.nowMs()),
      random: new SeededRandom(random.int(0x7fff_ffff)),
      wait: () => Promise.resolve(),
      rangedGetBytesMin: 4 * 1024,
      rangeBytes: 3 * 1024,
    });
    return { result };
  } catch (error) {
    const lostWrites = world.store.faults().filter((fault) => fault.kind === 'lose-write' && fault.key.split('/')[2] === String(backupId));
    if (lostWrites.length > 0 && isCutlineError(error) && error.code !== 'RESTORE_INCONSISTENT') return 'refused-after-lost-write';
    const described = isCutlineError(error) ? `${error.code}: ${error.message}` : String(error);
    const invariant = isCutlineError(error) && error.code === 'RESTORE_INCONSISTENT' ? 'ConsistentCut' : 'RestoreSucceeds';
    return { violation: { invariant, message: `backup ${backupId}: restore failed: ${described}` } };
  }
}

/**
 * RestoreEqualsCut: each restored partition's state equals the state the engine had at its cut;
 * ConsistentCut holds on the restored logs; RestoredEngineCompletes: an engine started on the restored
 * directory resumes, and once every waiting instance's message is published, completes every instance.
 */
export function checkRestoredBackup(world: SimWorld, backupId: number, target: string, result: RestoreResult): SimViolation[] {
  const violations: SimViolation[] = [];
  const clock = new ManualClock(world.clock.nowMs());
  const transport = new InProcessTransport(clock, new SeededRandom(backupId), world.config.transportFaults);
  const cluster = Cluster.open({
    dataDirectory: target,
    partitionCount: world.config.partitionCount,
    nodeCount: 1,
    clock,
    transport,
    logFileSystem: unsyncedFileSystem,
    snapshotIntervalRecords: 0,
    retryIntervalMs: 100,
    testOnly: mutationOptions(world.config.mutation),
  });
  try {
    for (const restored of result.partitions) {
      const where = `backup ${backupId}, partition ${restored.partitionId}, cut at ${restored.cutPosition}`;
      const expected = world.cutStates.get(`${restored.partitionId}@${restored.cutPosition}`);
      if (expected === undefined) continue; // the cut was first processed by a recovery's replay, where nothing is recorded
      const difference = firstDifference(
        comparableState(expected.state),
        comparableState(cluster.partition(restored.partitionId).dumpState()),
      );
      if (difference !== undefined) violations.push({ invariant: 'RestoreEqualsCut', message: `${where}: ${difference}` });
    }
    const cuts = result.partitions.map((restored) => ({
      partitionId: restored.partitionId,
      cutPosition: restored.cutPosition,
      records: allRecords(cluster.partition(restored.partitionId)),
    }));
    for (const orphan of findOrphans(cuts))
      violations.push({ invariant: 'ConsistentCut', message: `restored backup ${backupId}: ${orphan.message}` });
    violations.push(...resumeToCompletion(cluster, clock, transport, backupId));
  } finally {
    cluster.close();
  }
  return violations;
}

/** An instances row as the state dump shows it (column names). */
interface InstanceDump {
  readonly correlation_key: string;
  readonly state: string;
}

function instancesOf(cluster: Cluster): InstanceDump[] {
  return cluster.partitions().flatMap((partition) => (partition.dumpState().instances ?? []) as InstanceDump[]);
}

function resumeToCompletion(cluster: Cluster, clock: ManualClock, transport: InProcessTransport, backupId: number): SimViolation[] {
  const partitionCount = cluster.options.partitionCount;
  for (const instance of instancesOf(cluster)) {
    const correlationKey = instance.correlation_key;
    const messageId = `message-${correlationKey}`;
    cluster
      .partition(partitionForKey(correlationKey, partitionCount))
      .submit({ type: 'PUBLISH_MESSAGE', value: { messageId, correlationKey } });
  }
  for (let round = 0; round < 5_000; round++) {
    clock.advance(50);
    transport.deliverDue();
    for (const partition of cluster.partitions()) partition.processAvailable();
    for (const partition of cluster.partitions()) partition.retryDue();
    const idle = cluster.partitions().every((partition) => !partition.hasUnprocessed() && !partition.hasOutbox());
    if (idle && transport.pending().length === 0) break;
  }
  const open = instancesOf(cluster).filter((instance) => instance.state !== 'COMPLETED');
  if (open.length === 0) return [];
  return [
    {
      invariant: 'RestoredEngineCompletes',
      message: `backup ${backupId}: ${open.length} instances never completed after restore, e.g. ${JSON.stringify(open[0])}`,
    },
  ];
}
