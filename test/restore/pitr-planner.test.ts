// The point-in-time restore planner on hand-built listings: the checkpoint it picks, the chains it stitches, and gaps it refuses.
import { describe, expect, it } from 'vitest';
import { isCutlineError } from '../../src/errors.js';
import type { Manifest } from '../../src/backup/manifest.js';
import type { RangeCheckpoint } from '../../src/protocol/ranges.js';
import { planPointInTimeRestore, type PointInTimeRestoreRequest, type PointInTimeTarget } from '../../src/restore/pitr-planner.js';

const sha = (digit: string): string => digit.repeat(64);

interface BackupSpec {
  readonly id: number;
  readonly snapshot: number;
  readonly checkpoint: number;
  readonly first: number;
  readonly last: number;
}

function manifest(partitionId: number, spec: BackupSpec): Manifest {
  const snapshotId = `${spec.snapshot}-${spec.snapshot + 1}`;
  return {
    formatVersion: 1,
    id: { partitionId, checkpointId: spec.id, nodeId: 0 },
    descriptor: {
      snapshotId,
      snapshotProcessedPosition: spec.snapshot,
      checkpointPosition: spec.checkpoint,
      checkpointTimestampMs: 1_000 * spec.id,
      checkpointType: 'SCHEDULED_BACKUP',
      firstLogPosition: spec.first,
      lastLogPosition: spec.last,
      partitionCount: 2,
      engineVersion: '0.1.0',
    },
    status: 'COMPLETED',
    failureReason: null,
    files: [
      { path: `snapshot/${snapshotId}/state.db`, sizeBytes: 4096, sha256: sha('a') },
      { path: `snapshot/${snapshotId}/metadata.json`, sizeBytes: 200, sha256: sha('b') },
      { path: `snapshot/${snapshotId}/CHECKSUMS`, sizeBytes: 150, sha256: sha('c') },
      { path: 'segments/1.log', sizeBytes: 1000 * spec.id, sha256: sha('d') },
    ],
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Backups 1, 4 and 7 on each partition, each continuing the previous; the later snapshots lie after the markers between them. */
const backupSpecs: ReadonlyMap<number, readonly BackupSpec[]> = new Map([
  [
    1,
    [
      { id: 1, snapshot: 4, checkpoint: 10, first: 1, last: 12 },
      { id: 4, snapshot: 38, checkpoint: 40, first: 8, last: 41 },
      { id: 7, snapshot: 65, checkpoint: 70, first: 35, last: 72 },
    ],
  ],
  [
    2,
    [
      { id: 1, snapshot: 2, checkpoint: 5, first: 1, last: 6 },
      { id: 4, snapshot: 30, checkpoint: 35, first: 4, last: 36 },
      { id: 7, snapshot: 60, checkpoint: 65, first: 30, last: 66 },
    ],
  ],
]);

const marker = (checkpointId: number, checkpointPosition: number): RangeCheckpoint => ({
  checkpointId,
  checkpointPosition,
  checkpointTimestampMs: 1_000 * checkpointId,
});

/** Partition 2 never saw marker 3 (it was busy): its cut for 3 is backup 4. */
const markers: ReadonlyMap<number, readonly RangeCheckpoint[]> = new Map([
  [1, [marker(2, 20), marker(3, 30), marker(5, 50), marker(6, 60)]],
  [2, [marker(2, 15), marker(5, 45), marker(6, 55)]],
]);

function listing(without: readonly string[] = []): Manifest[] {
  return [...backupSpecs].flatMap(([partitionId, specs]) =>
    specs.filter((spec) => !without.includes(`${partitionId}/${spec.id}`)).map((spec) => manifest(partitionId, spec)),
  );
}

function request(target: PointInTimeTarget, overrides: Partial<PointInTimeRestoreRequest> = {}): PointInTimeRestoreRequest {
  return { target, nodeId: 0, clusterSize: 1, manifests: listing(), checkpoints: markers, engineVersion: '0.1.0', ...overrides };
}

function refusal(input: PointInTimeRestoreRequest): { code: string; message: string } {
  try {
    planPointInTimeRestore(input);
  } catch (error) {
    if (isCutlineError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the planner accepted the request');
}

/** What the plan takes per partition: backup id and positions of each link, the snapshot, the cut. */
function chains(input: PointInTimeRestoreRequest): unknown {
  const plan = planPointInTimeRestore(input);
  return plan.partitions.map((partition) => ({
    partitionId: partition.partitionId,
    snapshot: partition.snapshot === null ? null : `${partition.snapshot.snapshotId} of ${partition.snapshot.from.checkpointId}`,
    links: partition.backups.map((backup) => `${backup.id.checkpointId}: ${backup.firstLogPosition}..${backup.lastLogPosition}`),
    cut: `${partition.cut.checkpointId}@${partition.cut.position}`,
  }));
}

describe('point-in-time restore planner', () => {
  it('picks the newest checkpoint at or before the time, to the millisecond', () => {
    expect(planPointInTimeRestore(request({ toTimeMs: 5_999 })).target).toEqual({
      kind: 'pointInTime',
      backupId: 5,
      checkpointTimestampMs: 5_000,
      toTimeMs: 5_999,
    });
    expect(planPointInTimeRestore(request({ toTimeMs: 6_000 })).target.backupId).toBe(6);
    expect(planPointInTimeRestore(request({ checkpointId: 3 })).target).toEqual({
      kind: 'pointInTime',
      backupId: 3,
      checkpointTimestampMs: 3_000,
      toTimeMs: null,
    });
  });

  it('cuts each partition at its first checkpoint with id >= i, stitching from the earliest needed snapshot', () => {
    expect(chains(request({ checkpointId: 3 }))).toEqual([
      { partitionId: 1, snapshot: '4-5 of 1', links: ['1: 5..12', '4: 13..30'], cut: '3@30' },
      { partitionId: 2, snapshot: '30-31 of 4', links: ['4: 31..35'], cut: '4@35' },
    ]);
    expect(chains(request({ toTimeMs: 6_500 }))).toEqual([
      { partitionId: 1, snapshot: '38-39 of 4', links: ['4: 39..41', '7: 42..60'], cut: '6@60' },
      { partitionId: 2, snapshot: '30-31 of 4', links: ['4: 31..36', '7: 37..55'], cut: '6@55' },
    ]);
    expect(chains(request({ checkpointId: 7 }))).toEqual([
      { partitionId: 1, snapshot: '65-66 of 7', links: ['7: 66..70'], cut: '7@70' },
      { partitionId: 2, snapshot: '60-61 of 7', links: ['7: 61..65'], cut: '7@65' },
    ]);
  });

  it("takes the snapshot only from the first link, and stages each backup's segments apart", () => {
    const plan = planPointInTimeRestore(request({ checkpointId: 6 }));
    const [first, second] = plan.partitions[0]?.backups ?? [];
    expect(first?.files.map((file) => file.targetPath)).toEqual([
      'partitions/1/snapshots/38-39/state.db',
      'partitions/1/snapshots/38-39/metadata.json',
      'partitions/1/snapshots/38-39/CHECKSUMS',
      'partitions/1/incoming-segments/4/00000000000000000001.log',
    ]);
    expect(second?.files.map((file) => file.targetPath)).toEqual(['partitions/1/incoming-segments/7/00000000000000000001.log']);
    expect(plan.totalFiles).toBe(10);
  });

  it("gives a node the partitions it owns and the others' cuts for the consistency check", () => {
    const plan = planPointInTimeRestore(request({ checkpointId: 3 }, { nodeId: 1, clusterSize: 2 }));
    expect(plan.partitions.map((partition) => partition.partitionId)).toEqual([2]);
    expect(plan.foreignCuts).toEqual([{ partitionId: 1, position: 30 }]);
  });

  it('refuses a chain through a backup two nodes completed, as a --backupId restore does', () => {
    const twice = {
      ...manifest(1, { id: 4, snapshot: 38, checkpoint: 40, first: 8, last: 41 }),
      id: { partitionId: 1, checkpointId: 4, nodeId: 1 },
    };
    expect(refusal(request({ checkpointId: 6 }, { manifests: [...listing(), twice] }))).toMatchObject({
      code: 'PARTITION_DUPLICATE',
      message: expect.stringContaining('partition 1 by nodes 0 and 1') as unknown,
    });
    // A chain that does not use backup 4 is not affected.
    expect(chains(request({ checkpointId: 7 }, { manifests: [...listing(), twice] }))).toHaveLength(2);
  });

  it('refuses a restore across a deleted middle backup, naming the partition and the missing positions', () => {
    const gapped = { manifests: listing(['1/4']) };
    expect(refusal(request({ checkpointId: 3 }, gapped))).toEqual({
      code: 'RESTORE_GAP',
      message:
        'cannot restore to checkpoint 3: partition 1 needs its cut at position 30 (checkpoint 3), but positions 11..65 are in no backup chain',
    });
    expect(refusal(request({ toTimeMs: 6_000 }, gapped)).code).toBe('RESTORE_GAP');
    // Either side of the gap still restores.
    expect(chains(request({ checkpointId: 1 }, gapped))).toEqual([
      { partitionId: 1, snapshot: '4-5 of 1', links: ['1: 5..10'], cut: '1@10' },
      { partitionId: 2, snapshot: '2-3 of 1', links: ['1: 3..5'], cut: '1@5' },
    ]);
    expect(planPointInTimeRestore(request({ checkpointId: 7 }, gapped)).partitions.map((partition) => partition.cut.position)).toEqual([
      70, 65,
    ]);
  });

  it('refuses a point no partition can reach past its last backup, and points that do not exist', () => {
    const withoutLast = { manifests: listing(['2/7']) };
    expect(refusal(request({ checkpointId: 7 }, withoutLast))).toEqual({
      code: 'RESTORE_GAP',
      message:
        'cannot restore to checkpoint 7: partition 2 has no checkpoint with id >= 7 (its backups end at position 35); positions after 35 are missing',
    });
    expect(refusal(request({ checkpointId: 6 }, withoutLast))).toEqual({
      code: 'RESTORE_GAP',
      message:
        'cannot restore to checkpoint 6: partition 2 needs its cut at position 55 (checkpoint 6), but positions 36..55 are in no backup chain',
    });
    expect(refusal(request({ toTimeMs: 999 }))).toEqual({
      code: 'RESTORE_POINT_NOT_FOUND',
      message: 'no checkpoint is at or before 1970-01-01T00:00:00.999Z: the oldest is checkpoint 1 at 1970-01-01T00:00:01.000Z',
    });
    expect(refusal(request({ checkpointId: 8 }))).toEqual({
      code: 'RESTORE_POINT_NOT_FOUND',
      message: 'no partition has a checkpoint with id >= 8',
    });
  });

  it('refuses a cut it cannot know: a checkpoint forgotten with the backups that held it', () => {
    // Backups 1 were deleted, so the engine forgot the checkpoints before each partition's oldest snapshot (38 and 30).
    // Partition 2 knows no checkpoint below 3: its cut for 3 may have been one of them, before its backups.
    const forgotten = {
      manifests: listing(['1/1', '2/1']),
      checkpoints: new Map([
        [1, [marker(3, 39), marker(5, 50), marker(6, 60)]],
        [2, [marker(5, 45), marker(6, 55)]],
      ]),
    };
    expect(refusal(request({ checkpointId: 3 }, forgotten))).toEqual({
      code: 'RESTORE_GAP',
      message:
        'cannot restore to checkpoint 3: partition 2 no longer knows its checkpoints before position 31 (they were forgotten with the backups that held them), so its cut for checkpoint 3 may lie before its oldest backup: its first known checkpoint with id >= 3 is 4 at position 35',
    });
    expect(refusal(request({ toTimeMs: 3_500 }, forgotten)).code).toBe('RESTORE_GAP');
    // Checkpoint 4 is known on both, and so is everything after it.
    expect(chains(request({ checkpointId: 4 }, forgotten))).toEqual([
      { partitionId: 1, snapshot: '38-39 of 4', links: ['4: 39..40'], cut: '4@40' },
      { partitionId: 2, snapshot: '30-31 of 4', links: ['4: 31..35'], cut: '4@35' },
    ]);
    // A known checkpoint below 3 proves nothing after it was forgotten: partition 2's cut for 3 is backup 4.
    const known = { ...forgotten, checkpoints: new Map([...forgotten.checkpoints, [2, [marker(2, 31), marker(5, 45)]]]) };
    expect(chains(request({ checkpointId: 3 }, known))).toEqual([
      { partitionId: 1, snapshot: '38-39 of 4', links: ['4: 39..39'], cut: '3@39' },
      { partitionId: 2, snapshot: '30-31 of 4', links: ['4: 31..35'], cut: '4@35' },
    ]);
  });

  it("restores --to-checkpoint I that is no checkpoint to each partition's first checkpoint >= I, as the help says", () => {
    // Without marker 3 on partition 1, no partition has checkpoint 3: the first checkpoint >= 3 is backup 4 everywhere.
    const withoutThree = {
      checkpoints: new Map([...markers].map(([partitionId, list]) => [partitionId, list.filter((entry) => entry.checkpointId !== 3)])),
    };
    expect(planPointInTimeRestore(request({ checkpointId: 3 }, withoutThree)).target).toEqual({
      kind: 'pointInTime',
      backupId: 4,
      checkpointTimestampMs: 4_000,
      toTimeMs: null,
    });
    expect(chains(request({ checkpointId: 3 }, withoutThree))).toEqual(chains(request({ checkpointId: 4 }, withoutThree)));
    // Partition 2 never saw marker 3, so its cut for 3 is backup 4; partition 1's is marker 3 itself.
    expect(planPointInTimeRestore(request({ checkpointId: 3 })).partitions.map((partition) => partition.cut)).toEqual([
      { checkpointId: 3, position: 30 },
      { checkpointId: 4, position: 35 },
    ]);
  });
});
