// The pure restore planner on hand-built manifest listings: the plan it makes, and every refusal with its message.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isCutlineError } from '../../src/errors.js';
import type { Manifest, ManifestFile, ManifestStatus } from '../../src/backup/manifest.js';
import { planBackupIdRestore, type BackupIdRestoreRequest } from '../../src/restore/restore-planner.js';
import { formatPlan } from '../../src/cli/commands/restore-output.js';
import { engineVersionIncompatibility } from '../../src/engine/engine-version.js';
import { partitionsOfNode } from '../../src/engine/partitioning.js';
import type { ManifestDescriptor } from '../../src/protocol/backup-descriptor.js';

const sha = (digit: string): string => digit.repeat(64);

function manifest(
  partitionId: number,
  overrides: {
    status?: ManifestStatus;
    nodeId?: number;
    descriptor?: Partial<ManifestDescriptor>;
    files?: ManifestFile[];
    failureReason?: string;
  } = {},
): Manifest {
  const snapshotId = `${10 * partitionId}-${5 * partitionId}`;
  const status = overrides.status ?? 'COMPLETED';
  return {
    formatVersion: 1,
    id: { partitionId, checkpointId: 5, nodeId: overrides.nodeId ?? 0 },
    descriptor: {
      snapshotId,
      snapshotProcessedPosition: 10 * partitionId,
      checkpointPosition: 10 * partitionId + 4,
      checkpointTimestampMs: 1_700_000_000_000,
      checkpointType: 'MANUAL_BACKUP',
      firstLogPosition: 3,
      lastLogPosition: 10 * partitionId + 9,
      partitionCount: 3,
      engineVersion: '0.1.0',
      ...overrides.descriptor,
    },
    status,
    failureReason: status === 'FAILED' ? (overrides.failureReason ?? 'disk full') : null,
    files: overrides.files ?? [
      { path: `snapshot/${snapshotId}/state.db`, sizeBytes: 4096, sha256: sha('a') },
      { path: `snapshot/${snapshotId}/metadata.json`, sizeBytes: 200, sha256: sha('b') },
      { path: `snapshot/${snapshotId}/CHECKSUMS`, sizeBytes: 150, sha256: sha('c') },
      { path: 'segments/00000000000000000002.log', sizeBytes: 8192, sha256: sha('d') },
      { path: 'segments/3.log', sizeBytes: 1000, sha256: sha('e') },
    ],
    createdAt: '2023-11-14T22:13:20.000Z',
    modifiedAt: '2023-11-14T22:13:21.250Z',
  };
}

const allThree = (): Manifest[] => [manifest(1), manifest(2), manifest(3)];

function request(overrides: Partial<BackupIdRestoreRequest> = {}): BackupIdRestoreRequest {
  return { backupId: 5, nodeId: 0, clusterSize: 1, manifests: allThree(), engineVersion: '0.1.0', ...overrides };
}

function refusal(input: BackupIdRestoreRequest): { code: string; message: string } {
  try {
    planBackupIdRestore(input);
  } catch (error) {
    if (isCutlineError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the planner accepted the request');
}

describe('planBackupIdRestore', () => {
  it('plans every file of every partition the node owns, with its target path and the cut', () => {
    const plan = planBackupIdRestore(request());
    expect(plan.partitions.map((p) => p.partitionId)).toEqual([1, 2, 3]);
    const first = plan.partitions[0];
    expect(first?.cut).toEqual({ checkpointId: 5, position: 14 });
    expect(first?.snapshot).toEqual({ snapshotId: '10-5', processedPosition: 10, from: { partitionId: 1, checkpointId: 5, nodeId: 0 } });
    expect(first?.backups[0]?.files.map((file) => [file.key, file.targetPath])).toEqual([
      ['contents/1/5/0/snapshot/10-5/state.db', 'partitions/1/snapshots/10-5/state.db'],
      ['contents/1/5/0/snapshot/10-5/metadata.json', 'partitions/1/snapshots/10-5/metadata.json'],
      ['contents/1/5/0/snapshot/10-5/CHECKSUMS', 'partitions/1/snapshots/10-5/CHECKSUMS'],
      ['contents/1/5/0/segments/00000000000000000002.log', 'partitions/1/incoming-segments/00000000000000000002.log'],
      ['contents/1/5/0/segments/3.log', 'partitions/1/incoming-segments/00000000000000000003.log'],
    ]);
    expect(plan.totalFiles).toBe(15);
    expect(plan.totalBytes).toBe(3 * (4096 + 200 + 150 + 8192 + 1000));
    expect(plan.foreignCuts).toEqual([]);
    expect(formatPlan(plan)).toContain('partition 2: snapshot 20-10 (processed 20); truncate after position 24 (checkpoint 5)');
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('gives one node only its partitions, with the other partitions cuts for the consistency check', () => {
    const plan = planBackupIdRestore(request({ nodeId: 1, clusterSize: 2 }));
    expect(plan.partitions.map((p) => p.partitionId)).toEqual([2]);
    expect(plan.foreignCuts).toEqual([
      { partitionId: 1, position: 14 },
      { partitionId: 3, position: 34 },
    ]);
  });

  it('assigns every partition to exactly one node, whatever the sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (partitionCount, clusterSize) => {
        const owned = Array.from({ length: clusterSize }, (_, nodeId) => partitionsOfNode(nodeId, partitionCount, clusterSize)).flat();
        expect(owned.sort((a, b) => a - b)).toEqual(Array.from({ length: partitionCount }, (_, index) => index + 1));
      }),
    );
  });

  it('takes a COMPLETED manifest when another node left a FAILED one for the same partition', () => {
    const manifests = [manifest(1, { status: 'FAILED', nodeId: 0 }), manifest(1, { nodeId: 2 }), manifest(2), manifest(3)];
    expect(planBackupIdRestore(request({ manifests })).partitions[0]?.backups[0]?.id.nodeId).toBe(2);
  });

  it('plans a partition without a snapshot (replay from position 1)', () => {
    const bare = manifest(1, {
      descriptor: { snapshotId: null, snapshotProcessedPosition: 0, firstLogPosition: 1 },
      files: [{ path: 'segments/1.log', sizeBytes: 100, sha256: sha('f') }],
    });
    expect(planBackupIdRestore(request({ manifests: [bare, manifest(2), manifest(3)] })).partitions[0]?.snapshot).toBeNull();
  });
});

describe('planBackupIdRestore refuses', () => {
  it('a backup id without any manifest', () => {
    expect(refusal(request({ manifests: [] })).code).toBe('BACKUP_NOT_FOUND');
  });

  it('a missing partition, naming it', () => {
    expect(refusal(request({ manifests: [manifest(1), manifest(3)] }))).toEqual({
      code: 'RESTORE_PARTITION_MISSING',
      message: 'backup 5 has no manifest for partition 2 (of the partitions 1, 2, 3 this node owns)',
    });
  });

  it('a partition that is not COMPLETED, naming it, its status and the failure reason', () => {
    const manifests = [
      manifest(1),
      manifest(2, { status: 'FAILED', failureReason: 'store unavailable' }),
      manifest(3, { status: 'IN_PROGRESS' }),
    ];
    expect(refusal(request({ manifests }))).toEqual({
      code: 'BACKUP_INCOMPLETE',
      message: 'backup 5 is not COMPLETED: partition 2 is FAILED (store unavailable) on node 0; partition 3 is IN_PROGRESS on node 0',
    });
  });

  it('a partition this node does not own only when it owns it: node 1 of 2 needs partition 2 only', () => {
    expect(planBackupIdRestore(request({ nodeId: 1, clusterSize: 2, manifests: [manifest(2)] })).uncheckedPartitions).toEqual([1, 3]);
  });

  it('manifests that disagree on the number of partitions, naming which say what', () => {
    const manifests = [manifest(1), manifest(2, { descriptor: { partitionCount: 4 } }), manifest(3)];
    expect(refusal(request({ manifests }))).toEqual({
      code: 'RESTORE_PARTITION_COUNT',
      message: 'the manifests of backup 5 disagree on the number of partitions: partitions 1, 3 say 3; partition 2 says 4',
    });
  });

  it('a manifest of a partition outside the partition count', () => {
    const manifests = [...allThree(), manifest(4)].map((m) => ({ ...m, descriptor: { ...m.descriptor, partitionCount: 3 } }));
    expect(refusal(request({ manifests })).message).toBe('backup 5 has 3 partitions, but manifests exist for partition 4 outside 1..3');
  });

  it('an incompatible engine version, naming the partition', () => {
    const manifests = [
      manifest(1),
      manifest(2, { descriptor: { engineVersion: '0.2.0' } }),
      manifest(3, { descriptor: { engineVersion: '1.0.0' } }),
    ];
    expect(refusal(request({ manifests }))).toEqual({
      code: 'RESTORE_ENGINE_VERSION',
      message:
        "cannot restore backup 5: partition 2: engine version 0.2.0 is another 0.x minor release than this cutline's 0.1.0; partition 3: engine version 1.0.0 has another major version than this cutline's 0.1.0",
    });
  });

  it('files it cannot place, naming the partition and the path', () => {
    const files = [
      { path: 'segments/notes.txt', sizeBytes: 1, sha256: sha('1') },
      { path: 'segments/2.log', sizeBytes: 1, sha256: sha('2') },
      { path: 'segments/02.log', sizeBytes: 1, sha256: sha('3') },
      { path: 'snapshot/10-5/state.db', sizeBytes: 1, sha256: sha('4') },
    ];
    const { code, message } = refusal(request({ manifests: [manifest(1, { files }), manifest(2), manifest(3)] }));
    expect(code).toBe('RESTORE_LAYOUT');
    expect(message).toContain('partition 1 (backup of node 0): segments/notes.txt is neither');
    expect(message).toContain('segments/02.log is a second file named for position or id 2');
    expect(message).toContain('snapshot 10-5 lacks metadata.json; snapshot 10-5 lacks CHECKSUMS');
  });

  it('a snapshot id that does not encode the snapshot position', () => {
    const odd = manifest(1, { descriptor: { snapshotId: '16-10-7-8' } });
    expect(refusal(request({ manifests: [odd, manifest(2), manifest(3)] })).message).toContain(
      'snapshotId "16-10-7-8" is not {processedPosition}-{lastWrittenPosition}',
    );
  });

  it('a partition two nodes completed, naming the partition and both nodes, whether this node owns it or only needs its cut', () => {
    const manifests = [manifest(1), manifest(2), manifest(2, { nodeId: 1 }), manifest(3)];
    const expected = {
      code: 'PARTITION_DUPLICATE',
      message:
        'backup 5 was completed more than once: partition 2 by nodes 0 and 1; cutline does not guess which one the cluster continued from',
    };
    expect(refusal(request({ manifests }))).toEqual(expected);
    expect(refusal(request({ manifests, nodeId: 0, clusterSize: 2 }))).toEqual(expected);
    // A FAILED attempt of another node beside the COMPLETED one is no duplicate.
    expect(
      planBackupIdRestore(request({ manifests: [...allThree(), manifest(2, { nodeId: 1, status: 'FAILED' })] })).partitions,
    ).toHaveLength(3);
  });

  it('a node id or cluster size that cannot be', () => {
    expect(refusal(request({ nodeId: 2, clusterSize: 2 })).message).toBe(
      '--node-id must be an integer from 0 to 1 (--cluster-size 2), got 2',
    );
    expect(refusal(request({ nodeId: 3, clusterSize: 4 })).message).toBe(
      'node 3 of a 4-node cluster owns none of the 3 partitions of backup 5',
    );
    expect(refusal(request({ clusterSize: 0 })).code).toBe('USAGE');
  });
});

describe('engineVersionIncompatibility', () => {
  it('accepts the same version and older patches of the same minor (0.x) or major', () => {
    expect(engineVersionIncompatibility('0.1.0', '0.1.3')).toBeUndefined();
    expect(engineVersionIncompatibility('1.2.0', '1.4.0')).toBeUndefined();
    expect(engineVersionIncompatibility('0.1.4', '0.1.3')).toBe("engine version 0.1.4 is newer than this cutline's 0.1.3");
    expect(engineVersionIncompatibility('1.5.0', '1.4.0')).toBe("engine version 1.5.0 is newer than this cutline's 1.4.0");
    expect(engineVersionIncompatibility('one', '1.4.0')).toContain('is not a semantic version');
  });
});
