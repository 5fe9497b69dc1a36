// The status of a whole backup across partitions, computed from its manifests: one function for the API and the CLI.
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import type { Manifest, ManifestStatus } from './manifest.js';
import { listBackupManifests } from './manifest-store.js';
import type { ManifestDescriptor } from '../protocol/backup-descriptor.js';

export type BackupOverallStatus = 'COMPLETED' | 'FAILED' | 'INCOMPLETE' | 'IN_PROGRESS' | 'DELETED';

export interface PartitionBackupStatus {
  readonly partitionId: number;
  readonly nodeId: number;
  readonly status: ManifestStatus;
  readonly failureReason: string | null;
  readonly descriptor: ManifestDescriptor;
  readonly fileCount: number;
  /** The logical size: the bytes of the files a restore writes. */
  readonly totalBytes: number;
  /**
   * What the backup added to the store: a format v2 backup's new chunks (stored bytes), a v1 backup's
   * whole files; null while a v2 backup has not completed.
   */
  readonly addedBytes: number | null;
  readonly formatVersion: Manifest['formatVersion'];
  readonly createdAt: string;
  readonly modifiedAt: string;
}

export interface BackupStatus {
  readonly backupId: number;
  readonly status: BackupOverallStatus;
  /** The first failed partition's reason, prefixed with its id; null unless FAILED. */
  readonly failureReason: string | null;
  readonly partitionCount: number;
  readonly partitions: readonly PartitionBackupStatus[];
  /** Partitions without a manifest that nobody is known to be writing. */
  readonly missingPartitionIds: readonly number[];
  /** Partitions without a manifest yet whose backup this process has started (counted as IN_PROGRESS). */
  readonly pendingPartitionIds: readonly number[];
}

/**
 * The overall status: DELETED if any partition's backup was deleted; COMPLETED if every partition's
 * is COMPLETED; FAILED if any failed; INCOMPLETE if a partition has no manifest and nobody is writing
 * one; else IN_PROGRESS. The partition count comes from the caller (the running engine) or else from
 * the manifests' descriptors, which all agree in a valid backup (the largest wins otherwise).
 */
export function backupStatusOf(
  backupId: number,
  manifests: readonly Manifest[],
  partitionCount?: number,
  pending: readonly number[] = [],
): BackupStatus {
  const count = partitionCount ?? Math.max(0, ...manifests.map((manifest) => manifest.descriptor.partitionCount));
  const partitions = manifests
    .map(toPartitionStatus)
    .sort((left, right) => left.partitionId - right.partitionId || left.nodeId - right.nodeId);
  const present = new Set(partitions.map((partition) => partition.partitionId));
  const absent = Array.from({ length: count }, (_, index) => index + 1).filter((partitionId) => !present.has(partitionId));
  const pendingPartitionIds = absent.filter((partitionId) => pending.includes(partitionId));
  const missingPartitionIds = absent.filter((partitionId) => !pending.includes(partitionId));
  const failed = partitions.find((partition) => partition.status === 'FAILED');
  let status: BackupOverallStatus;
  if (partitions.some((partition) => partition.status === 'DELETED')) status = 'DELETED';
  else if (absent.length === 0 && partitions.length > 0 && partitions.every((partition) => partition.status === 'COMPLETED'))
    status = 'COMPLETED';
  else if (failed !== undefined) status = 'FAILED';
  else if (missingPartitionIds.length > 0) status = 'INCOMPLETE';
  else status = 'IN_PROGRESS';
  const failureReason =
    status === 'FAILED' && failed !== undefined ? `partition ${failed.partitionId}: ${failed.failureReason ?? 'unknown failure'}` : null;
  return { backupId, status, failureReason, partitionCount: count, partitions, missingPartitionIds, pendingPartitionIds };
}

/** Reads a backup's manifests and computes its status; no manifest at all is BACKUP_NOT_FOUND. */
export async function readBackupStatus(
  store: BackupStore,
  backupId: number,
  partitionCount?: number,
  options: StoreCallOptions = {},
): Promise<BackupStatus> {
  return backupStatusOf(backupId, await listBackupManifests(store, backupId, options), partitionCount);
}

function toPartitionStatus(manifest: Manifest): PartitionBackupStatus {
  const totalBytes = manifest.files.reduce((sum, file) => sum + file.sizeBytes, 0);
  return {
    partitionId: manifest.id.partitionId,
    nodeId: manifest.id.nodeId,
    status: manifest.status,
    failureReason: manifest.failureReason,
    descriptor: manifest.descriptor,
    fileCount: manifest.files.length,
    totalBytes,
    addedBytes: manifest.formatVersion === 1 ? totalBytes : (manifest.addedBytes ?? null),
    formatVersion: manifest.formatVersion,
    createdAt: manifest.createdAt,
    modifiedAt: manifest.modifiedAt,
  };
}
