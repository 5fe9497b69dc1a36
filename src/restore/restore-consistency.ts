// What the segment checks of a restored partition prove: its log is whole up to the cut, and no command in it was sent after its sender's cut.
import { CutlineError } from '../errors.js';
import { corruptFrameError, unexpectedPositionError } from '../log/segment-file.js';
import type { PartitionPlan, PlannedFile, RestorePlan } from './restore-plan.js';
import { CommandTally, type SegmentCheck, type SegmentCheckContext } from './segment-check.js';
import { forEachCommandIndexEntry } from '../backup/command-index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConsistencyReport {
  /** Inter-partition commands at or before their partition's cut whose sender's cut was known. */
  readonly commandsChecked: number;
  /** Commands from partitions without a COMPLETED backup, whose cut is unknown (single-node restores only). */
  readonly commandsUnchecked: number;
}

/** A segment check and the planned file it read. */
export interface CheckedSegment {
  readonly file: PlannedFile;
  readonly check: SegmentCheck;
}

/**
 * What a partition's segments are checked against: its cut, and the cuts of the partitions restored
 * here and, for partitions another node restores, the checkpointPosition of their manifests.
 * Every cut is known from the plan, so each segment is checked while it downloads.
 */
export function segmentCheckContext(plan: RestorePlan, partition: PartitionPlan): SegmentCheckContext {
  // A partition sends commands to itself too: its own cut is one of the sender cuts.
  const senders = [
    ...plan.partitions.map((restored) => ({ partitionId: restored.partitionId, position: restored.cut.position })),
    ...plan.foreignCuts,
  ];
  return {
    partitionId: partition.partitionId,
    cutPosition: partition.cut.position,
    senderCuts: senders.map((cut) => [cut.partitionId, cut.position] as const),
    uncheckedPartitions: plan.uncheckedPartitions,
  };
}

/**
 * The checks of the segments the restored log is made of: for each segment id the copy of the latest
 * backup in the chain, which is the one placeSegments keeps (a stitched point-in-time restore downloads
 * the same segment from several backups; each later copy extends the earlier ones).
 */
export function restoredSegments(partition: PartitionPlan, checks: ReadonlyMap<string, SegmentCheck>): CheckedSegment[] {
  const bySegment = new Map<number, CheckedSegment>();
  for (const backup of partition.backups) {
    for (const file of backup.files) {
      const check = checks.get(file.key);
      if (check !== undefined) bySegment.set(check.segmentId, { file, check });
    }
  }
  return [...bySegment.values()].sort((a, b) => a.check.firstPosition - b.check.firstPosition);
}

/**
 * Throws for damage the engine could not replay through: a frame that is not whole and valid at or
 * before the cut (LOG_CORRUPT or LOG_POSITION, naming the object, offset and position), a segment that
 * does not start right after the one before it, at or before the cut (LOG_POSITION), or a record at or
 * before the cut that is malformed as far as peekRecord reads it (RECORD_MALFORMED). Damage after the
 * cut is truncated away.
 */
export function checkRestoredLog(partition: PartitionPlan, segments: readonly CheckedSegment[]): void {
  const cut = partition.cut.position;
  for (const [index, { file, check }] of segments.entries()) {
    // Each segment is checked on its own while it downloads; only here are they seen side by side. The
    // log library checks the seam between two segments when it first reads across it, which the engine
    // does only after the restore: a gap or an overlap before the cut must be refused now.
    const previous = segments[index - 1]?.check;
    if (previous !== undefined && previous.lastPosition < cut && check.firstPosition !== previous.lastPosition + 1) {
      throw new CutlineError(
        'LOG_POSITION',
        `${file.key} of partition ${partition.partitionId}'s backup starts at position ${check.firstPosition}, but the segment before it ends at position ${previous.lastPosition}: positions up to the cut ${cut} must be contiguous`,
        {
          hint: 'The segments of the backup do not continue each other (one may belong to another partition or backup); run `cutline verify-backup --level full` and restore from another backup id.',
        },
      );
    }
    const damage = check.damage;
    if (damage !== undefined && damage.position <= cut) {
      const where = `${file.key} of partition ${partition.partitionId}'s backup`;
      if (damage.kind === 'position' && damage.foundPosition !== undefined)
        throw unexpectedPositionError(where, damage.offset, damage.position, damage.foundPosition, damagedBackupHint);
      throw corruptFrameError(where, damage.offset, damage.position, damage.reason, damagedBackupHint);
    }
    if (check.malformed !== undefined) {
      throw new CutlineError('RECORD_MALFORMED', `partition ${partition.partitionId}, ${file.key}: ${check.malformed.message}`, {
        hint: 'The engine could not replay this record; run `cutline verify-backup --level full` and restore from another backup id.',
      });
    }
  }
}

/**
 * For the segments of format v3 backups, the command checks from their command indexes (read from
 * staging; their SHA-256 was checked as they were downloaded) instead of from their records, which the
 * segment check then only followed. Throws COMMAND_INDEX_INVALID for an index that is not well formed or
 * that lists the checkpoint record at the cut as a command.
 */
export function withCommandIndexes(
  stagedData: string,
  context: SegmentCheckContext,
  segments: readonly CheckedSegment[],
): CheckedSegment[] {
  return segments.map(({ file, check }) => {
    if (file.commandIndexPath === undefined) return { file, check };
    const where = `${file.commandIndexPath} (of ${file.key})`;
    // Past a damage the frames were not followed; damage at or before the cut is refused before this is used.
    const lastPosition = check.damage === undefined ? check.lastPosition : Number.MAX_SAFE_INTEGER;
    const tally = new CommandTally(context);
    const cut = context.cutPosition;
    const bytes = readFileSync(join(stagedData, file.commandIndexPath));
    forEachCommandIndexEntry(
      bytes,
      where,
      { firstPosition: check.firstPosition, lastPosition },
      (position, type, from, sent, addressedTo) => {
        if (position > cut) return;
        if (position === cut) {
          throw new CutlineError(
            'COMMAND_INDEX_INVALID',
            `command index ${where} lists the checkpoint record at the cut ${cut} as a command`,
            {
              hint: 'The index disagrees with the log; run `cutline verify-backup --level full` and restore from another backup id.',
            },
          );
        }
        tally.addIndexed(position, type, from, sent, addressedTo);
      },
    );
    return { file, check: { ...check, ...tally.result() } };
  });
}

const orphansShownMax = 10;
/** The backup, not a live log, is damaged: the SHA-256 matched, so the engine wrote (or the backup took) bad frames. */
const damagedBackupHint =
  'The segment was damaged before it was backed up (its SHA-256 matches the manifest); run `cutline verify-backup --level full` and restore from another backup id.';

/** Sums the command checks of a partition; throws RESTORE_INCONSISTENT naming both records of every orphan (up to ten). */
export function partitionConsistency(plan: RestorePlan, segments: readonly CheckedSegment[]): ConsistencyReport {
  const orphans = segments.flatMap(({ check }) => check.orphans);
  const orphanCount = segments.reduce((sum, { check }) => sum + check.orphanCount, 0);
  if (orphanCount > 0) {
    const shown = orphans.slice(0, orphansShownMax).map((orphan) => orphan.message);
    const more = orphanCount > shown.length ? `; and ${orphanCount - shown.length} more` : '';
    throw new CutlineError('RESTORE_INCONSISTENT', `backup ${plan.target.backupId} is not a consistent cut: ${shown.join('; ')}${more}`, {
      hint: 'The backups of the partitions do not belong to one checkpoint (a broken engine or mixed-up backups); restore from another backup id and report this.',
    });
  }
  return {
    commandsChecked: segments.reduce((sum, { check }) => sum + check.commandsChecked, 0),
    commandsUnchecked: segments.reduce((sum, { check }) => sum + check.commandsUnchecked, 0),
  };
}
