// Backup ranges (pure): which completed backups of one partition continue each other, and what a cut needs from them.
import { assert } from '../assert.js';
import type { BackupCheckpointType } from './backup-descriptor.js';

/** What ranges need to know of one completed partition backup (a manifest's descriptor, or the state's row). */
export interface RangeBackup {
  readonly checkpointId: number;
  readonly checkpointType: BackupCheckpointType;
  readonly checkpointPosition: number;
  readonly checkpointTimestampMs: number;
  /** 0 when the backup holds no snapshot (replay from position 1). */
  readonly snapshotProcessedPosition: number;
  readonly firstLogPosition: number;
  readonly lastLogPosition: number;
}

/**
 * A maximal run of consecutive backups (by checkpoint position) in which each backup's log starts at
 * or before the previous backup's checkpoint position + 1: from the first backup's snapshot, every
 * position up to the last backup's checkpoint can be rebuilt.
 */
export interface BackupRange {
  readonly start: RangeBackup;
  readonly end: RangeBackup;
  /** Every backup of the range, ascending. */
  readonly checkpointIds: readonly number[];
  /** The earliest cut the range can rebuild: right after its oldest snapshot (so the cut record is in the log). */
  readonly firstCutPosition: number;
  /** The latest cut it can rebuild: its last backup's checkpoint. */
  readonly lastCutPosition: number;
}

/** One piece of a restore chain: the records (fromPosition..toPosition) taken from one backup's segments. */
export interface ChainLink {
  readonly backup: RangeBackup;
  readonly fromPosition: number;
  readonly toPosition: number;
}

/** Backup k+1 continues backup k: the DESIGN.md rule, in one place. */
export function continues(next: RangeBackup, previous: RangeBackup): boolean {
  return next.firstLogPosition <= previous.checkpointPosition + 1;
}

/** The ranges of one partition's completed backups, oldest first. Duplicate checkpoint ids are a caller bug. */
export function computeRanges(backups: readonly RangeBackup[]): BackupRange[] {
  const sorted = [...backups].sort(
    (left, right) => left.checkpointPosition - right.checkpointPosition || left.checkpointId - right.checkpointId,
  );
  const ranges: { start: RangeBackup; end: RangeBackup; checkpointIds: number[]; firstCutPosition: number; lastCutPosition: number }[] = [];
  for (const backup of sorted) {
    const current = ranges.at(-1);
    assert(current === undefined || current.end.checkpointId !== backup.checkpointId, `backup ${backup.checkpointId} is listed once`);
    if (current !== undefined && continues(backup, current.end)) {
      current.end = backup;
      current.checkpointIds.push(backup.checkpointId);
      // A later backup may hold an older snapshot (one was pruned meanwhile); its log reaches back to it.
      current.firstCutPosition = Math.min(current.firstCutPosition, backup.snapshotProcessedPosition + 1);
      current.lastCutPosition = backup.checkpointPosition;
    } else {
      const firstCutPosition = backup.snapshotProcessedPosition + 1;
      ranges.push({
        start: backup,
        end: backup,
        checkpointIds: [backup.checkpointId],
        firstCutPosition,
        lastCutPosition: backup.checkpointPosition,
      });
    }
  }
  return ranges;
}

/** The ranges left after deleting one backup: they shrink at either end or split where a gap opens. */
export function rangesWithout(backups: readonly RangeBackup[], checkpointId: number): BackupRange[] {
  return computeRanges(backups.filter((backup) => backup.checkpointId !== checkpointId));
}

/**
 * Whether a cut at `position` can be rebuilt from this range: after a snapshot of it (the cut record
 * itself must be in the restored log, so restore can check it and truncate right after it), and at or
 * before its last checkpoint.
 */
export function rangeCovers(range: BackupRange, position: number): boolean {
  return position >= range.firstCutPosition && position <= range.lastCutPosition;
}

/** The range that can rebuild a cut at `position`, if any (ranges never overlap in checkpoints, so at most one ends after it). */
export function rangeCovering(ranges: readonly BackupRange[], position: number): BackupRange | undefined {
  return ranges.find((range) => rangeCovers(range, position));
}

/**
 * What a restore to a cut at `position` takes from a range: the snapshot of the newest backup whose
 * snapshot is before the cut, then its log and the following backups' logs, each link starting
 * right after the previous one ends, up to the cut. Undefined when the range does not cover the cut.
 * `backups` are the range's backups (any order); only those named by the range are used.
 */
export function chainFor(range: BackupRange, backups: readonly RangeBackup[], position: number): ChainLink[] | undefined {
  if (!rangeCovers(range, position)) return undefined;
  const members = new Set(range.checkpointIds);
  const ordered = backups
    .filter((backup) => members.has(backup.checkpointId))
    .sort((left, right) => left.checkpointPosition - right.checkpointPosition);
  assert(ordered.length === range.checkpointIds.length, 'every backup of the range is given');
  let first = 0;
  for (let index = 0; index < ordered.length; index++) {
    if ((ordered[index]?.snapshotProcessedPosition ?? Number.POSITIVE_INFINITY) < position) first = index;
  }
  const links: ChainLink[] = [];
  let next = (ordered[first]?.snapshotProcessedPosition ?? 0) + 1;
  for (const backup of ordered.slice(first)) {
    if (next > position) break;
    assert(backup.firstLogPosition <= next, `backup ${backup.checkpointId} continues at ${next}`);
    const toPosition = Math.min(position, backup.lastLogPosition);
    if (toPosition >= next) links.push({ backup, fromPosition: next, toPosition });
    next = toPosition + 1;
  }
  assert(next > position, `the chain reaches position ${position}`);
  return links;
}

/** A checkpoint as the ranges of a partition see it (metadata.json's `checkpoints`, or a scan of restored segments). */
export interface RangeCheckpoint {
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  readonly checkpointTimestampMs: number;
}

/**
 * One partition's checkpoints, its completed backups and the ranges they form: the one shape of a
 * partition that its state (GET /backups/state), metadata.json, the point-in-time planner and the ranges
 * report share. Timestamps are milliseconds (`checkpointTimestampMs`); an answer that shows ISO text
 * converts at its edge. The engine's rows carry more than ranges need (types, statuses), hence the
 * parameters.
 */
export interface PartitionRanges<Checkpoint extends RangeCheckpoint = RangeCheckpoint, Backup = RangeBackup> {
  readonly partitionId: number;
  /** Every checkpoint (MARKER or backup) a range may still restore to, ascending by id. */
  readonly checkpoints: readonly Checkpoint[];
  readonly backups: readonly Backup[];
  readonly ranges: readonly BackupRange[];
}

/** A partition's cut for checkpoint id `i`: its first checkpoint with id >= i (DESIGN.md), if any. */
export function cutFor(checkpoints: readonly RangeCheckpoint[], checkpointId: number): RangeCheckpoint | undefined {
  let cut: RangeCheckpoint | undefined;
  for (const checkpoint of checkpoints) {
    if (checkpoint.checkpointId >= checkpointId && (cut === undefined || checkpoint.checkpointId < cut.checkpointId)) cut = checkpoint;
  }
  return cut;
}

/**
 * Whether `cut`, a partition's first KNOWN checkpoint with id >= `checkpointId`, is surely its cut. The
 * engine forgets the checkpoints before its oldest range's first cut (no range can restore to them), so
 * one with an id from `checkpointId` up to the cut's may have been forgotten: the true cut then lies
 * before the partition's backups, and cutting at the later checkpoint would leave the partitions
 * inconsistent. The cut is sure when it is that id itself; when the partition knows a checkpoint with a
 * smaller id (checkpoints are forgotten oldest first, so every later one is still known); or when its
 * oldest range starts at position 1 (nothing before it could be forgotten).
 */
export function cutIsKnown(
  partition: Pick<PartitionRanges, 'checkpoints' | 'ranges'>,
  cut: RangeCheckpoint,
  checkpointId: number,
): boolean {
  if (cut.checkpointId === checkpointId) return true;
  if (partition.checkpoints.some((checkpoint) => checkpoint.checkpointId < checkpointId)) return true;
  return partition.ranges[0]?.firstCutPosition === 1;
}

/** One restorable checkpoint id: each partition's cut and the range that rebuilds it. */
export interface RestorableCheckpoint {
  readonly checkpointId: number;
  readonly cuts: readonly { readonly partitionId: number; readonly cut: RangeCheckpoint; readonly range: BackupRange }[];
}

/**
 * Every checkpoint id (named by any partition) whose cut on EVERY partition is known (`cutIsKnown`) and
 * lies inside one of that partition's ranges, ascending: the cluster-wide restorable points. The planner of `restore --to T`
 * picks the newest whose timestamp is at or before T; `verify-backup --ranges` reports them as the window.
 */
export function restorableCheckpoints(
  partitions: readonly Pick<PartitionRanges, 'partitionId' | 'checkpoints' | 'ranges'>[],
): RestorableCheckpoint[] {
  const ids = [...new Set(partitions.flatMap((partition) => partition.checkpoints.map((checkpoint) => checkpoint.checkpointId)))].sort(
    (left, right) => left - right,
  );
  const restorable: RestorableCheckpoint[] = [];
  for (const checkpointId of ids) {
    const cuts: { partitionId: number; cut: RangeCheckpoint; range: BackupRange }[] = [];
    for (const partition of partitions) {
      const cut = cutFor(partition.checkpoints, checkpointId);
      const known = cut !== undefined && cutIsKnown(partition, cut, checkpointId);
      const range = known ? rangeCovering(partition.ranges, cut.checkpointPosition) : undefined;
      if (cut === undefined || range === undefined) break;
      cuts.push({ partitionId: partition.partitionId, cut, range });
    }
    if (partitions.length > 0 && cuts.length === partitions.length) restorable.push({ checkpointId, cuts });
  }
  return restorable;
}
