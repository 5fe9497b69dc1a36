// Builders of valid manifests and backups for the backup tests.
import { Readable } from 'node:stream';
import type { Manifest, ManifestStatus } from '../../src/backup/manifest.js';
import type { BackupFileSource } from '../../src/backup/manifest-store.js';
import type { ManifestDescriptor } from '../../src/protocol/backup-descriptor.js';

export function descriptor(overrides: Partial<ManifestDescriptor> = {}): ManifestDescriptor {
  return {
    snapshotId: '16-10-7-8',
    snapshotProcessedPosition: 16,
    checkpointPosition: 20,
    checkpointTimestampMs: 1_700_000_000_000,
    checkpointType: 'MANUAL_BACKUP',
    firstLogPosition: 1,
    lastLogPosition: 25,
    partitionCount: 2,
    engineVersion: '0.1.0',
    ...overrides,
  };
}

export function fileSource(path: string, content: string): BackupFileSource {
  const bytes = Buffer.from(content);
  return { path, body: { sizeBytes: bytes.length, open: () => Readable.from([bytes]) } };
}

/** A manifest as a store would hold it, with the given status (FAILED ones carry a reason), no files. */
export function manifestWith(
  partitionId: number,
  checkpointId: number,
  status: ManifestStatus,
  overrides: Partial<ManifestDescriptor> = {},
): Manifest {
  return {
    formatVersion: 1,
    id: { partitionId, checkpointId, nodeId: 0 },
    descriptor: descriptor({ snapshotId: null, snapshotProcessedPosition: 0, ...overrides }),
    status,
    failureReason: status === 'FAILED' ? 'boom' : null,
    files: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: '2026-01-01T00:00:00.000Z',
  };
}
