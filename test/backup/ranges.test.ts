// Backup ranges: computed ranges against a pairwise reference, deletion that shrinks or splits, and restore chains.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chainFor, computeRanges, rangeCovering, rangesFromManifests, rangesWithout, type RangeBackup } from '../../src/backup/ranges.js';
import type { Manifest } from '../../src/backup/manifest.js';

/**
 * Valid backups of one partition (the manifest rules: snapshot < checkpoint, first <= snapshot + 1,
 * last >= checkpoint) with increasing checkpoint positions and, as compaction only moves forward,
 * non-decreasing first log positions; some continue the previous backup, some leave a gap.
 */
const backupsArbitrary = fc
  .array(fc.record({ step: fc.integer({ min: 1, max: 40 }), snapshotBack: fc.nat(30), firstBack: fc.nat(30), tail: fc.nat(10), gap: fc.boolean() }), { maxLength: 12 })
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
      fc.property(backupsArbitrary.filter((b) => b.length > 0), fc.nat(), (backups, pick) => {
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
      }),
    );
  });

  it('give every covered cut a chain of links that runs without a gap from a snapshot to the cut', () => {
    fc.assert(
      fc.property(backupsArbitrary, (backups) => {
        const ranges = computeRanges(backups);
        const lastPosition = backups.at(-1)?.lastLogPosition ?? 0;
        for (let position = 1; position <= lastPosition + 1; position++) {
          const range = rangeCovering(ranges, position);
          const reachable = backups.some((backup, index) => backup.snapshotProcessedPosition < position && backups.slice(index).some((later) => later.checkpointPosition >= position && sameRangeReference(backups, index, backups.indexOf(later))));
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
      checkpointId, checkpointType: 'SCHEDULED_BACKUP', checkpointPosition, checkpointTimestampMs: checkpointId,
      snapshotProcessedPosition: firstLogPosition - 1, firstLogPosition, lastLogPosition: checkpointPosition + 3,
    });
    const backups = [backup(1, 1, 10), backup(2, 8, 20), backup(3, 18, 30)];
    expect(computeRanges(backups).map((range) => range.checkpointIds)).toEqual([[1, 2, 3]]);
    expect(rangesWithout(backups, 2).map((range) => range.checkpointIds)).toEqual([[1], [3]]);
    expect(rangesWithout(backups, 1).map((range) => range.checkpointIds)).toEqual([[2, 3]]);
    expect(rangesWithout(backups, 3).map((range) => range.checkpointIds)).toEqual([[1, 2]]);
  });

  it('come from COMPLETED manifests only, one per checkpoint id', () => {
    const manifest = (checkpointId: number, nodeId: number, status: Manifest['status'], firstLogPosition: number, checkpointPosition: number): Manifest => ({
      formatVersion: 1,
      id: { partitionId: 1, checkpointId, nodeId },
      descriptor: {
        snapshotId: null, snapshotProcessedPosition: 0, checkpointPosition, checkpointTimestampMs: checkpointId, checkpointType: 'SCHEDULED_BACKUP',
        firstLogPosition, lastLogPosition: checkpointPosition, partitionCount: 1, engineVersion: '0.1.0',
      },
      status,
      failureReason: status === 'FAILED' ? 'boom' : null,
      files: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      modifiedAt: '2026-01-01T00:00:00.000Z',
    });
    const { backups, ranges } = rangesFromManifests([manifest(5, 1, 'COMPLETED', 1, 20), manifest(5, 0, 'COMPLETED', 1, 20), manifest(3, 0, 'FAILED', 1, 10), manifest(9, 0, 'DELETED', 1, 30)]);
    expect(backups.map((b) => b.checkpointId)).toEqual([5]);
    expect(ranges).toHaveLength(1);
  });
});
