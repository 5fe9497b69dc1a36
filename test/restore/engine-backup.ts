// Test fixture: a real engine run with cross-partition workload, backed up into a store exactly as FORMAT.md specifies.
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Workload } from '../../src/engine/workload.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import type { SnapshotReservation } from '../../src/engine/snapshot-store.js';
import type { Partition } from '../../src/engine/partition.js';
import type { Manifest, ManifestDescriptor } from '../../src/backup/manifest.js';
import { uploadBackup, type BackupFileSource } from '../../src/backup/manifest-store.js';
import { engineVersion } from '../../src/engine/engine-version.js';
import { nodeForPartition } from '../../src/engine/partitioning.js';
import { openTestCluster, type TestCluster } from '../engine/helpers.js';

export interface EngineBackup {
  readonly checkpointId: number;
  /** Per partition: the checkpoint position and the state the engine had when it had processed exactly up to it. */
  readonly cuts: ReadonlyMap<number, { readonly position: number; readonly state: Record<string, unknown[]> }>;
  readonly manifests: readonly Manifest[];
  readonly instancesCreated: number;
}

export interface EngineBackupOptions {
  readonly seed: number;
  readonly partitionCount: number;
  /** Nodes of the cluster that took the backup: each partition's manifest names the node that hosts it. */
  readonly nodeCount?: number;
  readonly checkpointId?: number;
  readonly instances?: number;
  readonly segmentSizeBytes?: number;
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
 * Runs instances and their messages across partitions, with commands still in flight, triggers
 * checkpoint `checkpointId` (MANUAL_BACKUP) on every partition, records each partition's state at its
 * cut, runs more workload (so the backed-up segments hold records after the cut), then uploads each
 * partition's reserved snapshot and durable segments with the manifest commit protocol.
 */
export async function produceEngineBackup(store: BackupStore, options: EngineBackupOptions): Promise<EngineBackup> {
  const reservations = new Map<number, SnapshotReservation | undefined>();
  const holder: { running?: TestCluster } = {};
  const running = openTestCluster(options.seed, {
    partitionCount: options.partitionCount,
    snapshotIntervalRecords: 40,
    segmentSizeBytes: options.segmentSizeBytes ?? 8 * 1024,
    backupHook: {
      checkpointCreated: ({ partitionId, checkpointPosition }) => {
        const partition = holder.running?.cluster.partition(partitionId);
        const snapshot = partition?.snapshots.newestAtOrBefore(checkpointPosition);
        reservations.set(partitionId, snapshot === undefined ? undefined : partition?.snapshots.reserve(snapshot));
      },
    },
  });
  holder.running = running;
  const { cluster, transport } = running;
  try {
    const checkpointId = options.checkpointId ?? 1;
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
    const cutPositions = new Map(cluster.partitions().map((partition) => [partition.partitionId, partition.triggerCheckpoint(checkpointId, 'MANUAL_BACKUP')]));
    const cuts = new Map<number, { position: number; state: Record<string, unknown[]> }>();
    for (const partition of cluster.partitions()) {
      const position = cutPositions.get(partition.partitionId) ?? 0;
      partition.processAvailable(position);
      cuts.set(partition.partitionId, { position, state: partition.dumpState() });
    }
    for (let index = 0; index < instances / 2; index++) workload.step();
    settle(running);
    const manifests: Manifest[] = [];
    for (const partition of cluster.partitions()) {
      const cut = cuts.get(partition.partitionId);
      if (cut === undefined) throw new Error(`partition ${partition.partitionId} has a cut`);
      const nodeId = nodeForPartition(partition.partitionId, options.nodeCount ?? 1);
      manifests.push(await uploadPartition(store, partition, { checkpointId, nodeId, cut: cut.position, partitionCount: options.partitionCount, reservation: reservations.get(partition.partitionId), running }));
    }
    for (const reservation of reservations.values()) reservation?.release();
    return { checkpointId, cuts, manifests, instancesCreated: workload.instancesCreated };
  } finally {
    cluster.close();
  }
}

interface PartitionBackupSpec {
  readonly checkpointId: number;
  readonly nodeId: number;
  readonly cut: number;
  readonly partitionCount: number;
  readonly reservation: SnapshotReservation | undefined;
  readonly running: TestCluster;
}

async function uploadPartition(store: BackupStore, partition: Partition, spec: PartitionBackupSpec): Promise<Manifest> {
  const snapshot = spec.reservation?.snapshot;
  const sources: BackupFileSource[] = [];
  if (snapshot !== undefined) {
    for (const name of snapshot.files) sources.push(fileSource(`snapshot/${snapshot.metadata.snapshotId}/${name}`, `${snapshot.directory}/${name}`, undefined));
  }
  const segments = partition.log.segments();
  for (const segment of segments) sources.push(fileSource(`segments/${basename(segment.path)}`, segment.path, segment.durableSizeBytes));
  const checkpointRecord = partition.log.get(spec.cut);
  const descriptor: ManifestDescriptor = {
    snapshotId: snapshot?.metadata.snapshotId ?? null,
    snapshotProcessedPosition: snapshot?.metadata.processedPosition ?? 0,
    checkpointPosition: spec.cut,
    checkpointTimestampMs: checkpointRecord?.timestampMs ?? 0,
    checkpointType: 'MANUAL_BACKUP',
    firstLogPosition: segments[0]?.firstPosition ?? 1,
    lastLogPosition: segments.at(-1)?.lastPosition ?? 0,
    partitionCount: spec.partitionCount,
    engineVersion,
  };
  return uploadBackup(store, { partitionId: partition.partitionId, checkpointId: spec.checkpointId, nodeId: spec.nodeId }, descriptor, sources, spec.running.clock);
}

function fileSource(path: string, filePath: string, sizeBytes: number | undefined): BackupFileSource {
  const size = sizeBytes ?? statSize(filePath);
  return { path, body: { sizeBytes: size, open: () => createReadStream(filePath, { start: 0, end: size - 1 }) } };
}

function statSize(filePath: string): number {
  return statSync(filePath).size;
}
