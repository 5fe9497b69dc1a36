// The manifest check: every partition of a backup present, COMPLETED, valid against the schema, and in agreement.
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import { isCutlineError } from '../errors.js';
import { validateContentPath, type BackupId } from '../backup/backup-layout.js';
import { listBackupManifestKeys } from '../backup/manifest-store.js';
import { checkManifest, isKnownVersion, unknownVersionMessage, type Manifest } from '../backup/manifest.js';
import { manifestBytesMax } from '../limits.js';
import { engineVersionIncompatibility } from '../engine/engine-version.js';
import { placeFiles } from '../restore/restore-placement.js';
import type { Finding, FindingCode } from './findings.js';

/** A partition backup whose manifest is valid and COMPLETED: the deeper checks run on these. */
export interface PartitionBackup {
  readonly key: string;
  readonly id: BackupId;
  readonly manifest: Manifest;
}

export interface ManifestCheckResult {
  /** The partitions the backup should have, plus any other partition with a manifest, ascending. */
  readonly partitionIds: number[];
  /** One COMPLETED, valid manifest per partition that has one. */
  readonly partitions: Map<number, PartitionBackup>;
  readonly findings: Finding[];
}

/** Reads every manifest of a backup id and reports each problem; never stops at the first. */
export async function checkManifests(store: BackupStore, backupId: number, options: StoreCallOptions = {}): Promise<ManifestCheckResult> {
  const findings: Finding[] = [];
  const keys = await listBackupManifestKeys(store, backupId, options);
  if (keys.length === 0) {
    findings.push({
      code: 'BACKUP_NOT_FOUND',
      backupId,
      message: `no partition has a manifest for backup ${backupId} in ${store.description}`,
    });
    return { partitionIds: [], partitions: new Map(), findings };
  }
  const valid: PartitionBackup[] = [];
  for (const { key, id } of keys) {
    const add = (code: FindingCode, message: string): void =>
      void findings.push({ code, backupId, partitionId: id.partitionId, path: key, message });
    const manifest = readValidManifest(await getBytes(store, key, options), key, add);
    if (manifest === undefined) continue;
    if (manifest.id.checkpointId !== id.checkpointId || manifest.id.partitionId !== id.partitionId || manifest.id.nodeId !== id.nodeId) {
      add(
        'MANIFEST_ID_MISMATCH',
        `manifest ${key} names ${JSON.stringify(manifest.id)}, not the partition, checkpoint and node of its key`,
      );
      continue;
    }
    if (manifest.status === 'COMPLETED') checkRestorable(manifest, key, add);
    valid.push({ key, id, manifest });
  }
  const partitions = completedPerPartition(backupId, valid, findings);
  const partitionIds = checkPartitionCounts(
    backupId,
    keys.map((entry) => entry.id.partitionId),
    valid,
    findings,
  );
  return { partitionIds, partitions, findings };
}

/** Parses one manifest the way parseManifest does, but turns every problem into findings instead of throwing. */
function readValidManifest(bytes: Uint8Array, key: string, add: (code: FindingCode, message: string) => void): Manifest | undefined {
  if (bytes.byteLength > manifestBytesMax) {
    add('MANIFEST_UNREADABLE', `manifest ${key} is ${bytes.byteLength} bytes, more than manifestBytesMax (${manifestBytesMax})`);
    return undefined;
  }
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    add('MANIFEST_UNREADABLE', `manifest ${key} is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  const version = (document as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof document === 'object' && document !== null && !isKnownVersion(version)) {
    add('MANIFEST_VERSION', unknownVersionMessage(key, version));
    return undefined;
  }
  // Unsafe paths get their own finding: a path escaping the backup is an attack or a bug, not a typo.
  const files = (document as { files?: unknown } | null)?.files;
  for (const file of Array.isArray(files) ? (files as unknown[]) : []) {
    const path = (file as { path?: unknown } | null)?.path;
    if (typeof path !== 'string') continue;
    try {
      validateContentPath(path);
    } catch (error) {
      add('FILE_PATH_UNSAFE', `manifest ${key} lists the file ${JSON.stringify(path)}: ${(error as Error).message}`);
    }
  }
  try {
    checkManifest(document, key);
    return document;
  } catch (error) {
    if (!isCutlineError(error)) throw error;
    add('MANIFEST_INVALID', error.message);
    return undefined;
  }
}

/**
 * What restore refuses in a valid manifest before it downloads anything (restore-planner.ts): an engine
 * version it cannot read, files it cannot place. The deeper checks still run on such a manifest.
 */
function checkRestorable(manifest: Manifest, key: string, add: (code: FindingCode, message: string) => void): void {
  const incompatible = engineVersionIncompatibility(manifest.descriptor.engineVersion);
  if (incompatible !== undefined) add('ENGINE_VERSION', `manifest ${key}: ${incompatible}`);
  try {
    placeFiles(manifest);
  } catch (error) {
    if (!isCutlineError(error)) throw error;
    add('FILE_LAYOUT', `manifest ${key}: ${error.message}`);
  }
}

function completedPerPartition(backupId: number, valid: readonly PartitionBackup[], findings: Finding[]): Map<number, PartitionBackup> {
  const partitions = new Map<number, PartitionBackup>();
  // Map.groupBy is not in Node 20.
  const byPartition = new Map<number, PartitionBackup[]>();
  for (const backup of valid) byPartition.set(backup.id.partitionId, [...(byPartition.get(backup.id.partitionId) ?? []), backup]);
  for (const [partitionId, backups] of byPartition) {
    const completed = backups.filter((backup) => backup.manifest.status === 'COMPLETED');
    const first = completed[0];
    if (first === undefined) {
      const statuses = backups.map(
        (backup) =>
          `${backup.key} is ${backup.manifest.status}${backup.manifest.failureReason === null ? '' : ` (${backup.manifest.failureReason})`}`,
      );
      findings.push({
        code: 'PARTITION_NOT_COMPLETED',
        backupId,
        partitionId,
        message: `partition ${partitionId} has no COMPLETED backup ${backupId}: ${statuses.join('; ')}`,
      });
      continue;
    }
    if (completed.length > 1) {
      findings.push({
        code: 'PARTITION_DUPLICATE',
        backupId,
        partitionId,
        message: `partition ${partitionId} has ${completed.length} COMPLETED backups ${backupId}: ${completed.map((backup) => backup.key).join(', ')}`,
      });
    }
    partitions.set(partitionId, first);
  }
  return partitions;
}

/** Reports disagreeing partition counts and missing partitions; returns the partitions the backup should have. */
function checkPartitionCounts(backupId: number, seen: readonly number[], valid: readonly PartitionBackup[], findings: Finding[]): number[] {
  const counts = new Map<number, number>();
  for (const backup of valid)
    counts.set(backup.manifest.descriptor.partitionCount, (counts.get(backup.manifest.descriptor.partitionCount) ?? 0) + 1);
  // The count most manifests agree on is taken as the backup's; each manifest that differs is reported.
  const expected = [...counts.entries()].sort((left, right) => right[1] - left[1] || right[0] - left[0])[0]?.[0];
  if (counts.size > 1) {
    for (const backup of valid) {
      const count = backup.manifest.descriptor.partitionCount;
      if (count === expected) continue;
      findings.push({
        code: 'PARTITION_COUNT_MISMATCH',
        backupId,
        partitionId: backup.id.partitionId,
        path: backup.key,
        message: `manifest ${backup.key} says the cluster has ${count} partitions; the other manifests of backup ${backupId} say ${String(expected)}`,
      });
    }
  }
  const partitionIds = new Set(seen);
  for (let partitionId = 1; partitionId <= (expected ?? 0); partitionId++) {
    if (!partitionIds.has(partitionId)) {
      findings.push({
        code: 'PARTITION_MISSING',
        backupId,
        partitionId,
        message: `partition ${partitionId} of ${String(expected)} has no manifest for backup ${backupId}`,
      });
      partitionIds.add(partitionId);
    }
  }
  for (const partitionId of seen) {
    if (expected !== undefined && partitionId > expected) {
      findings.push({
        code: 'PARTITION_COUNT_MISMATCH',
        backupId,
        partitionId,
        message: `partition ${partitionId} has a manifest for backup ${backupId}, but the backup has ${expected} partitions`,
      });
    }
  }
  return [...partitionIds].sort((left, right) => left - right);
}
