// The restore plan: what the pure planner decides and the executor carries out (printed by --dry-run, as JSON with --json).
import type { BackupId } from '../backup/backup-layout.js';
import type { StoredChunkRef } from '../backup/chunk-format.js';

/** The plan's own format version, in its JSON form, so scripts reading `--dry-run --json` can check it. */
export const restorePlanFormatVersion = 1;

/** A chunk of a format v2 file: the object holding it, and how it is stored. */
export interface PlannedChunk extends StoredChunkRef {
  /** The store key (`chunks/{partitionId}/{hh}/{sha256}`). */
  readonly key: string;
}

/** One file to download: where it is in the store and where it goes in the data directory. */
export interface PlannedFile {
  /**
   * The store key (`contents/{partitionId}/{checkpointId}/{nodeId}/...`); for a format v2 file, which
   * has no object of its own, the key it would have in v1, naming the file in messages.
   */
  readonly key: string;
  readonly sizeBytes: number;
  /** Lower-case hex SHA-256 the downloaded bytes must have. */
  readonly sha256: string;
  /** Relative to the data directory, `/`-separated (FORMAT.md, "Restore"). */
  readonly targetPath: string;
  /** Format v2: the file's chunks in order; absent for a v1 file, which is one object at `key`. */
  readonly chunks?: readonly PlannedChunk[];
  /**
   * Format v3, a segment: the staged path of its command index (another planned file). Its frames were
   * checked when the backup was taken, and the cross-partition check reads the index instead of the records.
   */
  readonly commandIndexPath?: string;
}

/** A partition backup the plan takes files from, and the log positions it contributes. */
export interface PlannedBackup {
  readonly id: BackupId;
  readonly firstLogPosition: number;
  readonly lastLogPosition: number;
  readonly files: readonly PlannedFile[];
}

export interface PlannedSnapshot {
  readonly snapshotId: string;
  readonly processedPosition: number;
  /** The partition backup the snapshot comes from. */
  readonly from: BackupId;
}

/** The cut of one partition: the checkpoint record the restored log ends with. */
export interface PlannedCut {
  readonly checkpointId: number;
  /** The log is truncated right after this position; the record there must be CHECKPOINT_CREATE of checkpointId. */
  readonly position: number;
}

/**
 * One partition's restore. `backups` is a list so that point-in-time restore can stitch a log from
 * consecutive backups; a restore of one backup id has exactly one.
 */
export interface PartitionPlan {
  readonly partitionId: number;
  readonly snapshot: PlannedSnapshot | null;
  readonly backups: readonly PlannedBackup[];
  readonly cut: PlannedCut;
}

/** A partition this node does not restore: its cut, from its manifest, for the cross-partition check. */
export interface ForeignCut {
  readonly partitionId: number;
  readonly position: number;
}

/**
 * What the restore is to. A point-in-time restore keeps `backupId` too: it is the checkpoint id `i` the
 * planner picked (a MARKER's or a backup's), which names the restore in messages and in the completion marker.
 */
export type RestoreTarget =
  | { readonly kind: 'backupId'; readonly backupId: number }
  | { readonly kind: 'pointInTime'; readonly backupId: number; readonly checkpointTimestampMs: number; readonly toTimeMs: number | null };

export interface RestorePlan {
  readonly formatVersion: typeof restorePlanFormatVersion;
  readonly target: RestoreTarget;
  readonly nodeId: number;
  readonly clusterSize: number;
  readonly partitionCount: number;
  /** The engine version that wrote the backups (the newest of the partitions restored). */
  readonly engineVersion: string;
  /** The partitions this node restores, ascending. */
  readonly partitions: readonly PartitionPlan[];
  /** Cuts of the other partitions (from their COMPLETED manifests), ascending. */
  readonly foreignCuts: readonly ForeignCut[];
  /** Other partitions without a COMPLETED manifest: commands they sent cannot be checked against a cut. */
  readonly uncheckedPartitions: readonly number[];
  readonly totalFiles: number;
  readonly totalBytes: number;
}

/** Every file of a plan, partition by partition. */
export function plannedFiles(plan: RestorePlan): PlannedFile[] {
  return plan.partitions.flatMap((partition) => partition.backups.flatMap((backup) => backup.files));
}
