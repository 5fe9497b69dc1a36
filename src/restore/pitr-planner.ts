// The point-in-time restore planner (pure): from manifests and each partition's checkpoints to a stitched plan, or a typed error naming the gap.
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';
import type { Manifest } from '../backup/manifest.js';
import { rangesFromManifests } from '../backup/ranges.js';
import {
  chainFor,
  cutFor,
  cutIsKnown,
  rangeCovering,
  type ChainLink,
  type PartitionRanges,
  type RangeCheckpoint,
} from '../protocol/ranges.js';
import { engineNodesMax, enginePartitionsMax, restoreFilesMax } from '../limits.js';
import { partitionsOfNode } from '../engine/partitioning.js';
import { cutlineVersion as ourEngineVersion } from '../version.js';
import { incomingCommandsPath, incomingSegmentsPath } from './restore-layout.js';
import { placeFiles } from './restore-placement.js';
import { checkEngineVersions, newestVersion } from './restore-planner.js';
import { restorePlanFormatVersion, type ForeignCut, type PartitionPlan, type PlannedBackup, type RestorePlan } from './restore-plan.js';
import { refuseDuplicateBackups } from '../backup/duplicate-backups.js';

/** Exactly one of `toTimeMs` (`--to`) and `checkpointId` (`--to-checkpoint`). */
export type PointInTimeTarget = { readonly toTimeMs: number } | { readonly checkpointId: number };

export interface PointInTimeRestoreRequest {
  readonly target: PointInTimeTarget;
  readonly nodeId: number;
  readonly clusterSize: number;
  /** Every manifest in the store, any backup id, status and node (only COMPLETED ones are used). */
  readonly manifests: readonly Manifest[];
  /**
   * Each partition's checkpoints (metadata.json's `checkpoints`, which include MARKERs); the checkpoints
   * of COMPLETED manifests are added, so a partition whose metadata.json is missing still has its backups.
   */
  readonly checkpoints: ReadonlyMap<number, readonly RangeCheckpoint[]>;
  readonly engineVersion?: string;
}

/** One partition as a point-in-time restore sees it: its ranges (checkpoints from metadata.json and its backups), and the COMPLETED manifests they were read from. */
export interface PartitionView extends PartitionRanges {
  readonly manifests: readonly Manifest[];
}

/**
 * Plans a restore to the newest checkpoint id `i` at or before the target (DESIGN.md, "Point-in-time
 * restore"). The target picks `i`; if any partition cannot reach its cut for `i` through one contiguous
 * range, the restore fails with RESTORE_GAP naming each such partition and its missing positions: it
 * never falls back to an older point silently.
 */
export function planPointInTimeRestore(request: PointInTimeRestoreRequest): RestorePlan {
  checkNode(request.nodeId, request.clusterSize);
  const partitionCount = agreedPartitionCount(request.manifests);
  const views = partitionViews(request, partitionCount);
  const point = pickCheckpoint(views, request.target);
  const cuts = views.map((view) => ({ view, cut: cutFor(view.checkpoints, point.checkpointId) }));
  const gaps = cuts.flatMap(({ view, cut }) => {
    const problem = gapOf(view, cut, point.checkpointId);
    return problem === undefined ? [] : [problem];
  });
  if (gaps.length > 0) {
    throw new CutlineError('RESTORE_GAP', `cannot restore to checkpoint ${point.checkpointId}: ${gaps.join('; ')}`, {
      hint: 'A backup in the chain was deleted or failed; restore to a checkpoint on either side of the gap (`cutline verify-backup --ranges` lists the restorable window).',
    });
  }
  const owned = partitionsOfNode(request.nodeId, partitionCount, request.clusterSize);
  const partitions: PartitionPlan[] = [];
  const foreignCuts: ForeignCut[] = [];
  for (const { view, cut } of cuts) {
    if (cut === undefined) continue; // gapOf refused a missing cut above.
    if (owned.includes(view.partitionId)) partitions.push(stitchedPartition(view, cut, point.checkpointId));
    else foreignCuts.push({ partitionId: view.partitionId, position: cut.checkpointPosition });
  }
  const used = partitions.flatMap((partition) =>
    partition.backups.map((backup) => manifestOf(views, partition.partitionId, backup.id.checkpointId)),
  );
  checkEngineVersions(used, request.engineVersion ?? ourEngineVersion);
  const files = partitions.flatMap((partition) => partition.backups.flatMap((backup) => backup.files));
  if (files.length > restoreFilesMax)
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `the restore to checkpoint ${point.checkpointId} needs ${files.length} files for node ${request.nodeId}, more than restoreFilesMax (${restoreFilesMax})`,
    );
  return {
    formatVersion: restorePlanFormatVersion,
    target: {
      kind: 'pointInTime',
      backupId: point.checkpointId,
      checkpointTimestampMs: point.checkpointTimestampMs,
      toTimeMs: 'toTimeMs' in request.target ? request.target.toTimeMs : null,
    },
    nodeId: request.nodeId,
    clusterSize: request.clusterSize,
    partitionCount,
    engineVersion: newestVersion(used.map((manifest) => manifest.descriptor.engineVersion)),
    partitions,
    foreignCuts,
    uncheckedPartitions: [],
    totalFiles: files.length,
    totalBytes: files.reduce((sum, file) => sum + file.sizeBytes, 0),
  };
}

function checkNode(nodeId: number, clusterSize: number): void {
  if (!Number.isSafeInteger(clusterSize) || clusterSize < 1 || clusterSize > engineNodesMax)
    throw usage(`--cluster-size must be an integer from 1 to ${engineNodesMax}, got ${String(clusterSize)}`);
  if (!Number.isSafeInteger(nodeId) || nodeId < 0 || nodeId >= clusterSize)
    throw usage(`--node-id must be an integer from 0 to ${clusterSize - 1} (--cluster-size ${clusterSize}), got ${String(nodeId)}`);
}

/** The partition count every COMPLETED manifest names; PITR stitches across backup ids, so they must all agree. */
export function agreedPartitionCount(manifests: readonly Manifest[]): number {
  const completed = manifests.filter((manifest) => manifest.status === 'COMPLETED');
  const counts = [...new Set(completed.map((manifest) => manifest.descriptor.partitionCount))].sort((a, b) => a - b);
  const [partitionCount] = counts;
  if (partitionCount === undefined) {
    throw new CutlineError('BACKUP_NOT_FOUND', 'the store holds no COMPLETED backup to restore from', {
      hint: 'Check --store points at the right bucket and prefix.',
    });
  }
  if (counts.length > 1) {
    throw new CutlineError(
      'RESTORE_PARTITION_COUNT',
      `the COMPLETED backups disagree on the number of partitions (${counts.join(', ')}); a point-in-time restore stitches backups of one cluster only`,
      {
        hint: 'The store prefix holds backups of clusters of different sizes; restore one with --backupId.',
      },
    );
  }
  if (partitionCount > enginePartitionsMax)
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `the backups have ${partitionCount} partitions, more than enginePartitionsMax (${enginePartitionsMax})`,
    );
  return partitionCount;
}

/** The views of partitions 1..partitionCount from a listing (manifests and metadata.json checkpoints). */
export function partitionViews(
  request: Pick<PointInTimeRestoreRequest, 'manifests' | 'checkpoints'>,
  partitionCount: number,
): PartitionView[] {
  const views: PartitionView[] = [];
  for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
    const manifests = request.manifests.filter((manifest) => manifest.id.partitionId === partitionId && manifest.status === 'COMPLETED');
    const { backups, ranges } = rangesFromManifests(manifests);
    const byId = new Map<number, RangeCheckpoint>();
    for (const checkpoint of request.checkpoints.get(partitionId) ?? []) byId.set(checkpoint.checkpointId, checkpoint);
    for (const backup of backups) byId.set(backup.checkpointId, backup);
    const checkpoints = [...byId.values()].sort((a, b) => a.checkpointId - b.checkpointId);
    views.push({ partitionId, checkpoints, backups, ranges, manifests });
  }
  return views;
}

/**
 * The checkpoint id `i`: for `--to-checkpoint I` the smallest checkpoint id >= I of any partition (I itself
 * when it is one), else the newest whose timestamp (on any partition) is at or before the time. An I that
 * is no checkpoint is not refused: no partition has a checkpoint id from I up to i, so each partition's first
 * checkpoint >= I is its first >= i (the same consistent cut, DESIGN.md), and the plan names a real checkpoint.
 */
function pickCheckpoint(views: readonly PartitionView[], target: PointInTimeTarget): RangeCheckpoint {
  const all = views.flatMap((view) => view.checkpoints);
  if ('checkpointId' in target) {
    const found = cutFor(all, target.checkpointId);
    if (found === undefined) {
      throw new CutlineError('RESTORE_POINT_NOT_FOUND', `no partition has a checkpoint with id >= ${target.checkpointId}`, {
        hint: 'List the checkpoints with `cutline verify-backup --ranges` or GET /backups/state.',
      });
    }
    return found;
  }
  const before = all
    .filter((checkpoint) => checkpoint.checkpointTimestampMs <= target.toTimeMs)
    .sort((a, b) => a.checkpointId - b.checkpointId);
  const newest = before.at(-1);
  if (newest === undefined) {
    const first = [...all].sort((a, b) => a.checkpointTimestampMs - b.checkpointTimestampMs)[0];
    const oldest =
      first === undefined
        ? 'there are none'
        : `the oldest is checkpoint ${first.checkpointId} at ${new Date(first.checkpointTimestampMs).toISOString()}`;
    throw new CutlineError(
      'RESTORE_POINT_NOT_FOUND',
      `no checkpoint is at or before ${new Date(target.toTimeMs).toISOString()}: ${oldest}`,
      { hint: 'Pass a later --to time.' },
    );
  }
  return newest;
}

/** Why a partition cannot reach its cut for checkpoint `i` through one range (the missing positions), or undefined when it can. */
function gapOf(view: PartitionView, cut: RangeCheckpoint | undefined, checkpointId: number): string | undefined {
  const last = view.ranges.at(-1);
  if (cut === undefined) {
    const after = last === undefined ? 'it has no COMPLETED backup' : `its backups end at position ${last.lastCutPosition}`;
    return `partition ${view.partitionId} has no checkpoint with id >= ${checkpointId} (${after}); positions after ${last?.lastCutPosition ?? 0} are missing`;
  }
  const position = cut.checkpointPosition;
  if (!cutIsKnown(view, cut, checkpointId)) {
    const forgotten = view.ranges[0]?.firstCutPosition ?? position;
    return `partition ${view.partitionId} no longer knows its checkpoints before position ${forgotten} (they were forgotten with the backups that held them), so its cut for checkpoint ${checkpointId} may lie before its oldest backup: its first known checkpoint with id >= ${checkpointId} is ${cut.checkpointId} at position ${position}`;
  }
  if (rangeCovering(view.ranges, position) !== undefined) return undefined;
  const next = view.ranges.find((range) => range.lastCutPosition >= position);
  const previousEnd = view.ranges.filter((range) => range.lastCutPosition < position).at(-1)?.lastCutPosition ?? 0;
  const missingTo = next === undefined ? position : next.firstCutPosition - 1;
  return `partition ${view.partitionId} needs its cut at position ${position} (checkpoint ${cut.checkpointId}), but positions ${previousEnd + 1}..${missingTo} are in no backup chain`;
}

/** The partition's plan: the chain of backups from the earliest needed snapshot to the cut, each taking the positions after the previous link. */
function stitchedPartition(view: PartitionView, cut: RangeCheckpoint, checkpointId: number): PartitionPlan {
  const range = rangeCovering(view.ranges, cut.checkpointPosition);
  const links = range === undefined ? undefined : chainFor(range, view.backups, cut.checkpointPosition);
  if (links === undefined || links.length === 0)
    throw new CutlineError(
      'RESTORE_GAP',
      `cannot restore to checkpoint ${checkpointId}: partition ${view.partitionId} has no chain to position ${cut.checkpointPosition}`,
    );
  const [first] = links;
  const snapshotManifest = first === undefined ? undefined : manifestOf([view], view.partitionId, first.backup.checkpointId);
  const snapshotId = snapshotManifest?.descriptor.snapshotId ?? null;
  return {
    partitionId: view.partitionId,
    snapshot:
      snapshotManifest === undefined || snapshotId === null
        ? null
        : { snapshotId, processedPosition: snapshotManifest.descriptor.snapshotProcessedPosition, from: snapshotManifest.id },
    backups: links.map((link, index) => plannedLink(manifestOf([view], view.partitionId, link.backup.checkpointId), link, index === 0)),
    cut: { checkpointId: cut.checkpointId, position: cut.checkpointPosition },
  };
}

/**
 * One link of the chain: its segments and their command indexes (each backup's go to their own staging
 * folders, so equal segment names of consecutive backups do not collide) and, for the first link only, the snapshot.
 */
function plannedLink(manifest: Manifest, link: ChainLink, withSnapshot: boolean): PlannedBackup {
  const incoming = [`${incomingSegmentsPath(manifest.id.partitionId)}/`, `${incomingCommandsPath(manifest.id.partitionId)}/`];
  const ofLink = (staged: string): string | undefined => {
    const folder = incoming.find((prefix) => staged.startsWith(prefix));
    return folder === undefined ? undefined : `${folder}${manifest.id.checkpointId}/${staged.slice(folder.length)}`;
  };
  const files = placeFiles(manifest).flatMap((file) => {
    const targetPath = ofLink(file.targetPath);
    if (targetPath === undefined) return withSnapshot ? [file] : [];
    const commandIndexPath = file.commandIndexPath === undefined ? undefined : ofLink(file.commandIndexPath);
    return [{ ...file, targetPath, ...(commandIndexPath === undefined ? {} : { commandIndexPath }) }];
  });
  return { id: manifest.id, firstLogPosition: link.fromPosition, lastLogPosition: link.toPosition, files };
}

/** The COMPLETED manifest of a backup the chain uses; one that two nodes completed is refused, as a --backupId restore does. */
function manifestOf(views: readonly PartitionView[], partitionId: number, checkpointId: number): Manifest {
  const candidates =
    views.find((view) => view.partitionId === partitionId)?.manifests.filter((candidate) => candidate.id.checkpointId === checkpointId) ??
    [];
  refuseDuplicateBackups(candidates, checkpointId);
  const [manifest] = candidates;
  assert(manifest !== undefined, `partition ${partitionId} has a COMPLETED manifest for backup ${checkpointId} of its ranges`);
  return manifest;
}

function usage(message: string): CutlineError {
  return new CutlineError('USAGE', message, { hint: 'Run `cutline restore --help` for the options.' });
}
