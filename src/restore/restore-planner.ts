// The restore planner: a pure function from the manifests of one backup id to a plan, or a typed error naming what is wrong.
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';
import type { Manifest } from '../backup/manifest.js';
import { engineNodesMax, enginePartitionsMax, restoreFilesMax } from '../limits.js';
import { partitionsOfNode } from '../engine/partitioning.js';
import { engineVersionIncompatibility } from '../engine/engine-version.js';
import { cutlineVersion as ourEngineVersion } from '../version.js';
import { placeFiles } from './restore-placement.js';
import { restorePlanFormatVersion, type ForeignCut, type PartitionPlan, type RestorePlan } from './restore-plan.js';
import { refuseDuplicateBackups } from '../backup/duplicate-backups.js';

export interface BackupIdRestoreRequest {
  readonly backupId: number;
  /** The node being restored (0-based) and the number of nodes of the cluster: they decide which partitions it owns. */
  readonly nodeId: number;
  readonly clusterSize: number;
  /** Every manifest stored for the backup id, any status, any node (the listing). */
  readonly manifests: readonly Manifest[];
  /** The engine version of this cutline; the default is the real one, tests pass others. */
  readonly engineVersion?: string;
}

/**
 * Plans the restore of backup `backupId` on one node. Refuses (each error names the partitions and
 * what is wrong): manifests that disagree on the partition count (RESTORE_PARTITION_COUNT); a
 * partition the node owns without a manifest (RESTORE_PARTITION_MISSING) or without a COMPLETED one
 * (BACKUP_INCOMPLETE); a partition, owned or not, that two nodes completed (PARTITION_DUPLICATE, as
 * verify-backup reports it); an incompatible engine version (RESTORE_ENGINE_VERSION); files it cannot
 * place (RESTORE_LAYOUT).
 */
export function planBackupIdRestore(request: BackupIdRestoreRequest): RestorePlan {
  checkRequest(request);
  const partitionCount = agreedPartitionCount(request.manifests, request.backupId);
  const owned = partitionsOfNode(request.nodeId, partitionCount, request.clusterSize);
  if (owned.length === 0) {
    throw new CutlineError(
      'USAGE',
      `node ${request.nodeId} of a ${request.clusterSize}-node cluster owns none of the ${partitionCount} partitions of backup ${request.backupId}`,
      {
        hint: 'Pass the --node-id and --cluster-size the engine on this node will run with.',
      },
    );
  }
  // Every partition, not only the owned ones: the others' manifests give the cuts the consistency check uses.
  refuseDuplicateBackups(request.manifests, request.backupId);
  const chosen = chooseManifests(request.manifests, owned, request.backupId);
  checkEngineVersions(chosen, request.engineVersion ?? ourEngineVersion);
  const partitions = chosen.map(partitionPlan);
  const totalFiles = partitions.reduce(
    (sum, partition) => sum + partition.backups.reduce((count, backup) => count + backup.files.length, 0),
    0,
  );
  if (totalFiles > restoreFilesMax)
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `backup ${request.backupId} lists ${totalFiles} files for node ${request.nodeId}, more than restoreFilesMax (${restoreFilesMax})`,
    );
  const { foreignCuts, uncheckedPartitions } = otherPartitions(request.manifests, owned, partitionCount);
  return {
    formatVersion: restorePlanFormatVersion,
    target: { kind: 'backupId', backupId: request.backupId },
    nodeId: request.nodeId,
    clusterSize: request.clusterSize,
    partitionCount,
    engineVersion: newestVersion(chosen.map((manifest) => manifest.descriptor.engineVersion)),
    partitions,
    foreignCuts,
    uncheckedPartitions,
    totalFiles,
    totalBytes: partitions.reduce(
      (sum, partition) =>
        sum + partition.backups.reduce((bytes, backup) => bytes + backup.files.reduce((size, file) => size + file.sizeBytes, 0), 0),
      0,
    ),
  };
}

function checkRequest(request: BackupIdRestoreRequest): void {
  const { backupId, nodeId, clusterSize } = request;
  if (!Number.isSafeInteger(backupId) || backupId < 1) throw usage(`--backupId must be a positive integer, got ${String(backupId)}`);
  if (!Number.isSafeInteger(clusterSize) || clusterSize < 1 || clusterSize > engineNodesMax)
    throw usage(`--cluster-size must be an integer from 1 to ${engineNodesMax}, got ${String(clusterSize)}`);
  if (!Number.isSafeInteger(nodeId) || nodeId < 0 || nodeId >= clusterSize)
    throw usage(`--node-id must be an integer from 0 to ${clusterSize - 1} (--cluster-size ${clusterSize}), got ${String(nodeId)}`);
  for (const manifest of request.manifests)
    assert(manifest.id.checkpointId === backupId, `the listing holds only manifests of backup ${backupId}`);
  if (request.manifests.length === 0) {
    throw new CutlineError('BACKUP_NOT_FOUND', `no partition has a manifest for backup ${backupId}`, {
      hint: 'List the backups in the store, and check --store points at the right bucket and prefix.',
    });
  }
}

/** Every manifest (whatever its status) must name the same partition count, and partition ids within it. */
function agreedPartitionCount(manifests: readonly Manifest[], backupId: number): number {
  const byCount = new Map<number, number[]>();
  for (const manifest of manifests) {
    const count = manifest.descriptor.partitionCount;
    byCount.set(count, [...(byCount.get(count) ?? []), manifest.id.partitionId]);
  }
  if (byCount.size > 1) {
    const described = [...byCount]
      .sort(([a], [b]) => a - b)
      .map(
        ([count, partitionIds]) =>
          `partition${partitionIds.length > 1 ? 's' : ''} ${unique(partitionIds).join(', ')} say${partitionIds.length > 1 ? '' : 's'} ${count}`,
      );
    throw new CutlineError(
      'RESTORE_PARTITION_COUNT',
      `the manifests of backup ${backupId} disagree on the number of partitions: ${described.join('; ')}`,
      {
        hint: 'A backup id was reused by clusters of different sizes, or a manifest was edited; restore from a backup whose partitions agree.',
      },
    );
  }
  const [partitionCount] = [...byCount.keys()];
  assert(partitionCount !== undefined, 'a non-empty listing has a partition count');
  if (partitionCount > enginePartitionsMax)
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `backup ${backupId} has ${partitionCount} partitions, more than enginePartitionsMax (${enginePartitionsMax})`,
    );
  const outside = unique(manifests.map((manifest) => manifest.id.partitionId).filter((id) => id < 1 || id > partitionCount));
  if (outside.length > 0) {
    throw new CutlineError(
      'RESTORE_PARTITION_COUNT',
      `backup ${backupId} has ${partitionCount} partitions, but manifests exist for partition ${outside.join(', ')} outside 1..${partitionCount}`,
      {
        hint: 'The store holds manifests of another cluster under this backup id; check --store.',
      },
    );
  }
  return partitionCount;
}

/** The COMPLETED manifest of each owned partition (refuseDuplicateBackups ran: there is at most one). */
function chooseManifests(manifests: readonly Manifest[], owned: readonly number[], backupId: number): Manifest[] {
  const missing: number[] = [];
  const unfinished: string[] = [];
  const chosen: Manifest[] = [];
  for (const partitionId of owned) {
    const candidates = manifests.filter((manifest) => manifest.id.partitionId === partitionId).sort((a, b) => a.id.nodeId - b.id.nodeId);
    const completed = candidates.find((manifest) => manifest.status === 'COMPLETED');
    if (candidates.length === 0) missing.push(partitionId);
    else if (completed === undefined) unfinished.push(`partition ${partitionId} is ${candidates.map(describeStatus).join(', ')}`);
    else chosen.push(completed);
  }
  if (missing.length > 0) {
    throw new CutlineError(
      'RESTORE_PARTITION_MISSING',
      `backup ${backupId} has no manifest for partition ${missing.join(', ')} (of the partitions ${owned.join(', ')} this node owns)`,
      {
        hint: 'The backup never started on that partition, or its manifest was deleted: restore from another backup id.',
      },
    );
  }
  if (unfinished.length > 0) {
    throw new CutlineError('BACKUP_INCOMPLETE', `backup ${backupId} is not COMPLETED: ${unfinished.join('; ')}`, {
      hint: 'Only COMPLETED backups can be restored; wait for one IN_PROGRESS to finish, or restore from another backup id.',
    });
  }
  return chosen;
}

function describeStatus(manifest: Manifest): string {
  const reason = manifest.failureReason === null ? '' : ` (${manifest.failureReason})`;
  return `${manifest.status}${reason} on node ${manifest.id.nodeId}`;
}

export function checkEngineVersions(manifests: readonly Manifest[], reading: string): void {
  const problems = manifests.flatMap((manifest) => {
    const problem = engineVersionIncompatibility(manifest.descriptor.engineVersion, reading);
    return problem === undefined ? [] : [`partition ${manifest.id.partitionId}: ${problem}`];
  });
  if (problems.length > 0) {
    throw new CutlineError(
      'RESTORE_ENGINE_VERSION',
      `cannot restore backup ${manifests[0]?.id.checkpointId ?? 0}: ${problems.join('; ')}`,
      {
        hint: 'Restore with the cutline release that wrote the backup (its engine version is in each manifest).',
      },
    );
  }
}

function partitionPlan(manifest: Manifest): PartitionPlan {
  const d = manifest.descriptor;
  return {
    partitionId: manifest.id.partitionId,
    snapshot:
      d.snapshotId === null ? null : { snapshotId: d.snapshotId, processedPosition: d.snapshotProcessedPosition, from: manifest.id },
    backups: [{ id: manifest.id, firstLogPosition: d.firstLogPosition, lastLogPosition: d.lastLogPosition, files: placeFiles(manifest) }],
    cut: { checkpointId: manifest.id.checkpointId, position: d.checkpointPosition },
  };
}

/** The cuts of the partitions this node does not restore, from their COMPLETED manifests. */
function otherPartitions(
  manifests: readonly Manifest[],
  owned: readonly number[],
  partitionCount: number,
): { foreignCuts: ForeignCut[]; uncheckedPartitions: number[] } {
  const foreignCuts: ForeignCut[] = [];
  const uncheckedPartitions: number[] = [];
  for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
    if (owned.includes(partitionId)) continue;
    const completed = manifests
      .filter((m) => m.id.partitionId === partitionId && m.status === 'COMPLETED')
      .sort((a, b) => a.id.nodeId - b.id.nodeId)[0];
    if (completed === undefined) uncheckedPartitions.push(partitionId);
    else foreignCuts.push({ partitionId, position: completed.descriptor.checkpointPosition });
  }
  return { foreignCuts, uncheckedPartitions };
}

export function newestVersion(versions: readonly string[]): string {
  return [...versions].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? ourEngineVersion;
}

function unique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function usage(message: string): CutlineError {
  return new CutlineError('USAGE', message, { hint: 'Run `cutline restore --help` for the options.' });
}
