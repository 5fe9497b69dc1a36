// metadata/{partitionId}/metadata.json: a partition's checkpoints, completed backups and ranges, synced from its state to the store.
import { CutlineError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes } from '../store/backup-store.js';
import type { Partition } from '../engine/partition.js';
import type { CheckpointRow } from '../engine/backup-state.js';
import { rangeBackupOfRow } from '../engine/backup-state.js';
import { metadataKey } from './backup-layout.js';
import type { PartitionRanges, RangeBackup } from '../protocol/ranges.js';
import { partitionMetadataBytesMax } from '../limits.js';

/** The only metadata.json format version this cutline reads and writes (FORMAT.md, "Partition metadata"). */
export const partitionMetadataFormatVersion = 1;

/** The file: a partition's ranges (its backups: every COMPLETED one not deleted, ascending by id), versioned and dated. */
export interface PartitionMetadata extends PartitionRanges<CheckpointRow, RangeBackup> {
  readonly formatVersion: typeof partitionMetadataFormatVersion;
  /** ISO 8601 UTC time of the writer's clock. */
  readonly updatedAt: string;
}

/** The metadata document of a partition, from its state (the state is rebuilt by replay, so it is the source). */
export function partitionMetadataOf(partition: Partition, clock: Clock): PartitionMetadata {
  const state = partition.backupState;
  return {
    formatVersion: partitionMetadataFormatVersion,
    partitionId: partition.partitionId,
    updatedAt: new Date(clock.nowMs()).toISOString(),
    checkpoints: state.checkpoints(),
    backups: state
      .backups()
      .map(rangeBackupOfRow)
      .filter((backup): backup is RangeBackup => backup !== undefined),
    ranges: state.ranges(),
  };
}

/**
 * The content a point-in-time restore depends on: the backups, the ranges, and the checkpoints a range covers. A
 * checkpoint after the last range's last cut cannot be restored until a backup reaches it, and that backup changes the
 * ranges, which rewrites the file with it: so new MARKERs alone do not cost a rewrite each (FORMAT.md).
 */
export function metadataFingerprint(metadata: PartitionMetadata): string {
  const lastCut = Math.max(0, ...metadata.ranges.map((range) => range.lastCutPosition));
  const covered = metadata.checkpoints.filter((checkpoint) => checkpoint.checkpointPosition <= lastCut);
  return JSON.stringify({ ...metadata, updatedAt: undefined, checkpoints: covered });
}

/** Writes metadata.json; the store's put replaces atomically, so a reader sees the old or the whole new document. */
export async function writePartitionMetadata(
  store: BackupStore,
  metadata: PartitionMetadata,
  options: StoreCallOptions = {},
): Promise<void> {
  // Compact: the file is rewritten whole, and indentation made it a third larger.
  await store.put(metadataKey(metadata.partitionId), Buffer.from(`${JSON.stringify(metadata)}\n`), options);
}

/** Reads metadata.json of a partition; undefined when absent. Version first, then the shape (PARTITION_METADATA_INVALID). */
export async function readPartitionMetadata(
  store: BackupStore,
  partitionId: number,
  options: StoreCallOptions = {},
): Promise<PartitionMetadata | undefined> {
  const key = metadataKey(partitionId);
  if ((await store.head(key, options)) === undefined) return undefined;
  const bytes = await getBytes(store, key, options);
  if (bytes.byteLength > partitionMetadataBytesMax)
    throw invalid(key, `is ${bytes.byteLength} bytes, more than ${partitionMetadataBytesMax}`);
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(key, `is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null) throw invalid(key, 'is not a JSON object');
  const candidate = document as Partial<PartitionMetadata>;
  if (candidate.formatVersion !== partitionMetadataFormatVersion) {
    throw invalid(
      key,
      `has format version ${JSON.stringify(candidate.formatVersion) ?? 'none'}; this cutline reads version ${partitionMetadataFormatVersion} only`,
    );
  }
  if (candidate.partitionId !== partitionId) throw invalid(key, `names partition ${JSON.stringify(candidate.partitionId)}`);
  for (const field of ['checkpoints', 'backups', 'ranges'] as const) {
    if (!Array.isArray(candidate[field])) throw invalid(key, `has no ${field} array`);
  }
  return candidate as PartitionMetadata;
}

function invalid(key: string, problem: string): CutlineError {
  return new CutlineError('PARTITION_METADATA_INVALID', `partition metadata ${key} ${problem}`, {
    hint: 'metadata.json is a summary rebuilt from the engine state on every change; the manifests stay the source of truth (FORMAT.md, "Partition metadata").',
  });
}
