// Retention's choice (pure) and metadata.json reading: what is expired, what is always kept, and what a reader refuses.
import { describe, expect, it } from 'vitest';
import { selectExpired, type RetentionCandidate } from '../../src/backup/retention.js';
import type { Manifest, ManifestStatus } from '../../src/backup/manifest.js';
import { readPartitionMetadata } from '../../src/backup/backup-metadata.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { CutlineError } from '../../src/errors.js';
import { manifestWith } from './manifest-fixture.js';

function manifest(partitionId: number, checkpointId: number, status: ManifestStatus, checkpointTimestampMs: number): Manifest {
  return manifestWith(partitionId, checkpointId, status, { checkpointTimestampMs, checkpointPosition: 10, lastLogPosition: 10 });
}

/** A backup id taken at `atMs` with the given status on partitions 1 and 2. */
function candidate(checkpointId: number, atMs: number, statuses: [ManifestStatus, ManifestStatus]): RetentionCandidate {
  return { checkpointId, manifests: statuses.map((status, index) => manifest(index + 1, checkpointId, status, atMs)) };
}

describe('retention', () => {
  const window = 1_000;
  it('deletes backups older than the window, oldest first, and keeps the rest', () => {
    const candidates = [
      candidate(1, 100, ['COMPLETED', 'COMPLETED']),
      candidate(2, 200, ['FAILED', 'COMPLETED']),
      candidate(3, 2_100, ['COMPLETED', 'COMPLETED']),
      candidate(4, 2_500, ['COMPLETED', 'COMPLETED']),
    ];
    expect(selectExpired(candidates, 3_000, window, 2)).toEqual([1, 2]);
    expect(selectExpired(candidates, 3_000, 5_000, 2)).toEqual([]);
  });

  it("never deletes the newest backup completed everywhere, nor any partition's newest completed one", () => {
    const candidates = [
      candidate(1, 100, ['COMPLETED', 'COMPLETED']),
      candidate(2, 200, ['COMPLETED', 'FAILED']),
      candidate(3, 300, ['FAILED', 'FAILED']),
    ];
    // 1 is the newest complete one; 2 is partition 1's newest completed backup; 3 has nothing completed.
    expect(selectExpired(candidates, 10_000, window, 2)).toEqual([3]);
  });

  it('skips backups in progress anywhere and backups already deleted everywhere', () => {
    const candidates = [
      candidate(1, 100, ['DELETED', 'DELETED']),
      candidate(2, 200, ['COMPLETED', 'IN_PROGRESS']),
      candidate(3, 300, ['DELETED', 'COMPLETED']),
      candidate(4, 400, ['COMPLETED', 'COMPLETED']),
    ];
    expect(selectExpired(candidates, 10_000, window, 2)).toEqual([3]);
  });

  it("keeps a backup while any partition's checkpoint of it is inside the window", () => {
    const mixed: RetentionCandidate = {
      checkpointId: 1,
      manifests: [manifest(1, 1, 'COMPLETED', 100), manifest(2, 1, 'COMPLETED', 2_500)],
    };
    expect(selectExpired([mixed, candidate(2, 2_600, ['COMPLETED', 'COMPLETED'])], 3_000, window, 2)).toEqual([]);
  });
});

const freshDirectory = temporaryDirectories('metadata');

describe('reading metadata.json', () => {
  it('is undefined when absent, and refuses another version, another partition, or a missing field', async () => {
    const store = new FileSystemBackupStore(await freshDirectory());
    expect(await readPartitionMetadata(store, 1)).toBeUndefined();
    const put = (document: unknown) => store.put('metadata/1/metadata.json', Buffer.from(JSON.stringify(document)));
    const refusal = async () => {
      try {
        await readPartitionMetadata(store, 1);
      } catch (error) {
        expect(error).toBeInstanceOf(CutlineError);
        return error as CutlineError;
      }
      throw new Error('expected PARTITION_METADATA_INVALID');
    };
    await put({ formatVersion: 2, partitionId: 1, checkpoints: [], backups: [], ranges: [] });
    expect((await refusal()).message).toContain('has format version 2; this cutline reads version 1 only');
    await put({ formatVersion: 1, partitionId: 3, checkpoints: [], backups: [], ranges: [] });
    expect((await refusal()).message).toContain('names partition 3');
    await put({ formatVersion: 1, partitionId: 1, checkpoints: [], backups: [] });
    expect((await refusal()).code).toBe('PARTITION_METADATA_INVALID');
    await put({ formatVersion: 1, partitionId: 1, updatedAt: '2026-01-01T00:00:00.000Z', checkpoints: [], backups: [], ranges: [] });
    expect(await readPartitionMetadata(store, 1)).toMatchObject({ partitionId: 1 });
  });
});
