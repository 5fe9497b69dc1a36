// Backup ranges: computed ranges against a pairwise reference, deletion that shrinks or splits, and restore chains.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rangesFromManifests } from '../../src/backup/ranges.js';
import type { Manifest } from '../../src/backup/manifest.js';
import { manifestWith } from './manifest-fixture.js';
import {
  chainFor,
  computeRanges,
  cutFor,
  cutIsKnown,
  rangeCovering,
  rangesWithout,
  restorableCheckpoints,
  type RangeBackup,
} from '../../src/protocol/ranges.js';

/**
 * Valid backups of one partition (the manifest rules: snapshot < checkpoint, first <= snapshot + 1,
 * last >= checkpoint) with increasing checkpoint positions and, as compaction only moves forward,
 * non-decreasing first log positions; some continue the previous backup, some leave a gap.
 */
const backupsArbitrary = fc
  .array(
    fc.record({
      step: fc.integer({ min: 1, max: 40 }),
      snapshotBack: fc.nat(30),
      firstBack: fc.nat(30),
      tail: fc.nat(10),
      gap: fc.boolean(),
    }),
    { maxLength: 12 },
  )
  .map((steps) => {
    const backups: RangeBackup[] = [];
    let checkpointPosition = 0;
    let previousFirst = 1;
    steps.forEach((step, index) => {
      const previous = checkpointPosition;
      checkpointPosition += step.step;
      const snapshotProcessedPosition = Math.max(0, previousFirst - 1, checkpointPosition - 1 - step.snapshotBack);
      // With `gap` the log starts right after the snapshot, which may be after the previous checkpoint + 1.
      const wanted = step.gap ? snapshotProcessedPosition + 1 : Math.min(previous + 1, snapshotProcessedPosition + 1) - step.firstBack;
      const firstLogPosition = Math.min(snapshotProcessedPosition + 1, Math.max(previousFirst, wanted));
      previousFirst = firstLogPosition;
      backups.push({
        checkpointId: 100 + index * 3,
        checkpointType: 'SCHEDULED_BACKUP',
        checkpointPosition,
        checkpointTimestampMs: 1_000 * index,
        snapshotProcessedPosition,
        firstLogPosition,
        lastLogPosition: checkpointPosition + step.tail,
      });
    });
    return backups;
  });

/** Reference: backups i < j share a range exactly when every consecutive pair between them continues. */
function sameRangeReference(backups: readonly RangeBackup[], i: number, j: number): boolean {
  for (let k = i + 1; k <= j; k++) {
    const previous = backups[k - 1];
    const next = backups[k];
    if (previous === undefined || next === undefined || next.firstLogPosition > previous.checkpointPosition + 1) return false;
  }
  return true;
}

function rangeIndexOf(ranges: ReturnType<typeof computeRanges>, checkpointId: number): number {
  return ranges.findIndex((range) => range.checkpointIds.includes(checkpointId));
}

describe('backup ranges', () => {
  it('group exactly the backups that continue each other, in order, each backup once', () => {
    fc.assert(
      fc.property(backupsArbitrary, (backups) => {
        const ranges = computeRanges([...backups].reverse());
        expect(ranges.flatMap((range) => range.checkpointIds)).toEqual(backups.map((backup) => backup.checkpointId));
        for (const range of ranges) {
          expect(range.start.checkpointId).toBe(range.checkpointIds[0]);
          expect(range.end.checkpointId).toBe(range.checkpointIds.at(-1));
        }
        for (let i = 0; i < backups.length; i++) {
          for (let j = i; j < backups.length; j++) {
            const same = rangeIndexOf(ranges, backups[i]!.checkpointId) === rangeIndexOf(ranges, backups[j]!.checkpointId);
            expect(same).toBe(sameRangeReference(backups, i, j));
          }
        }
      }),
    );
  });

  it('after deleting any backup, match the reference over the rest and never merge what was apart', () => {
    fc.assert(
      fc.property(
        backupsArbitrary.filter((b) => b.length > 0),
        fc.nat(),
        (backups, pick) => {
          const deleted = backups[pick % backups.length]!;
          const rest = backups.filter((backup) => backup !== deleted);
          const before = computeRanges(backups);
          const after = rangesWithout(backups, deleted.checkpointId);
          expect(after.flatMap((range) => range.checkpointIds)).toEqual(rest.map((backup) => backup.checkpointId));
          for (let i = 0; i < rest.length; i++) {
            for (let j = i; j < rest.length; j++) {
              const same = rangeIndexOf(after, rest[i]!.checkpointId) === rangeIndexOf(after, rest[j]!.checkpointId);
              expect(same).toBe(sameRangeReference(rest, i, j));
              if (same) expect(rangeIndexOf(before, rest[i]!.checkpointId)).toBe(rangeIndexOf(before, rest[j]!.checkpointId));
            }
          }
        },
      ),
    );
  });

  it('give every covered cut a chain of links that runs without a gap from a snapshot to the cut', () => {
    fc.assert(
      fc.property(backupsArbitrary, (backups) => {
        const ranges = computeRanges(backups);
        const lastPosition = backups.at(-1)?.lastLogPosition ?? 0;
        for (let position = 1; position <= lastPosition + 1; position++) {
          const range = rangeCovering(ranges, position);
          const reachable = backups.some(
            (backup, index) =>
              backup.snapshotProcessedPosition < position &&
              backups
                .slice(index)
                .some((later) => later.checkpointPosition >= position && sameRangeReference(backups, index, backups.indexOf(later))),
          );
          expect(range !== undefined).toBe(reachable);
          if (range === undefined) continue;
          const links = chainFor(range, backups, position)!;
          expect(links.length).toBeGreaterThan(0);
          expect(links[0]!.fromPosition).toBe(links[0]!.backup.snapshotProcessedPosition + 1);
          expect(links.at(-1)!.toPosition).toBe(position);
          links.forEach((link, index) => {
            expect(link.fromPosition).toBeGreaterThanOrEqual(link.backup.firstLogPosition);
            expect(link.toPosition).toBeLessThanOrEqual(link.backup.lastLogPosition);
            if (index > 0) expect(link.fromPosition).toBe(links[index - 1]!.toPosition + 1);
          });
        }
      }),
      { numRuns: 50 },
    );
  });

  it('split in two when a middle backup is deleted and the next one does not reach back past it', () => {
    const backup = (checkpointId: number, firstLogPosition: number, checkpointPosition: number): RangeBackup => ({
      checkpointId,
      checkpointType: 'SCHEDULED_BACKUP',
      checkpointPosition,
      checkpointTimestampMs: checkpointId,
      snapshotProcessedPosition: firstLogPosition - 1,
      firstLogPosition,
      lastLogPosition: checkpointPosition + 3,
    });
    const backups = [backup(1, 1, 10), backup(2, 8, 20), backup(3, 18, 30)];
    expect(computeRanges(backups).map((range) => range.checkpointIds)).toEqual([[1, 2, 3]]);
    expect(rangesWithout(backups, 2).map((range) => range.checkpointIds)).toEqual([[1], [3]]);
    expect(rangesWithout(backups, 1).map((range) => range.checkpointIds)).toEqual([[2, 3]]);
    expect(rangesWithout(backups, 3).map((range) => range.checkpointIds)).toEqual([[1, 2]]);
  });

  it('come from COMPLETED manifests only, one per checkpoint id', () => {
    const manifest = (
      checkpointId: number,
      nodeId: number,
      status: Manifest['status'],
      firstLogPosition: number,
      checkpointPosition: number,
    ): Manifest => ({
      ...manifestWith(1, checkpointId, status, { checkpointPosition, firstLogPosition, lastLogPosition: checkpointPosition }),
      id: { partitionId: 1, checkpointId, nodeId },
    });
    const { backups, ranges } = rangesFromManifests([
      manifest(5, 1, 'COMPLETED', 1, 20),
      manifest(5, 0, 'COMPLETED', 1, 20),
      manifest(3, 0, 'FAILED', 1, 10),
      manifest(9, 0, 'DELETED', 1, 30),
    ]);
    expect(backups.map((b) => b.checkpointId)).toEqual([5]);
    expect(ranges).toHaveLength(1);
  });
});

describe('restorable checkpoints across partitions', () => {
  const backup = (checkpointId: number, firstLogPosition: number, checkpointPosition: number): RangeBackup => ({
    checkpointId,
    checkpointType: 'SCHEDULED_BACKUP',
    checkpointPosition,
    checkpointTimestampMs: checkpointId,
    snapshotProcessedPosition: firstLogPosition - 1,
    firstLogPosition,
    lastLogPosition: checkpointPosition,
  });
  const checkpoint = (checkpointId: number, checkpointPosition: number) => ({
    checkpointId,
    checkpointPosition,
    checkpointTimestampMs: checkpointId * 10,
  });

  it('are the ids whose cut on every partition lies in a range; a gap on one partition removes the ids cut there', () => {
    // Partition 1: one range over 1..30. Partition 2: backups 10 and 30 with a gap between (its log of 30 starts at 21).
    const one = {
      partitionId: 1,
      checkpoints: [checkpoint(10, 10), checkpoint(15, 15), checkpoint(20, 20), checkpoint(30, 30)],
      ranges: computeRanges([backup(10, 1, 10), backup(30, 5, 30)]),
    };
    const two = {
      partitionId: 2,
      checkpoints: [checkpoint(10, 12), checkpoint(20, 18), checkpoint(30, 33)],
      ranges: computeRanges([backup(10, 1, 12), backup(30, 21, 33)]),
    };
    const restorable = restorableCheckpoints([one, two]);
    // 15 is cut on partition 2 at its checkpoint 20 (position 18): in the gap 13..20, like 20 itself.
    expect(restorable.map((r) => r.checkpointId)).toEqual([10, 30]);
    expect(restorable[1]?.cuts.map((c) => [c.partitionId, c.cut.checkpointPosition])).toEqual([
      [1, 30],
      [2, 33],
    ]);
    // Partition 2 without its backup 10 forgot its checkpoints before position 21: its cuts for 10..20 are unknown.
    const forgetful = {
      partitionId: 2,
      checkpoints: [checkpoint(30, 33)],
      ranges: computeRanges([backup(30, 21, 33)]),
    };
    expect(cutIsKnown(forgetful, checkpoint(30, 33), 15)).toBe(false);
    expect(cutIsKnown(forgetful, checkpoint(30, 33), 30)).toBe(true);
    expect(cutIsKnown(two, checkpoint(20, 18), 15)).toBe(true);
    expect(cutIsKnown({ checkpoints: [checkpoint(20, 18)], ranges: computeRanges([backup(20, 1, 18)]) }, checkpoint(20, 18), 15)).toBe(
      true,
    );
    expect(restorableCheckpoints([one, forgetful]).map((r) => r.checkpointId)).toEqual([30]);
    expect(cutFor(two.checkpoints, 15)?.checkpointId).toBe(20);
    expect(cutFor(two.checkpoints, 31)).toBeUndefined();
    expect(restorableCheckpoints([])).toEqual([]);
  });
});
