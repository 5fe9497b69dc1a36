// What verify-backup reports: findings keyed by a stable code, the check each code belongs to, and the report shape.

/** The checks verify-backup runs, in order; a JUnit report has one test case per check per partition. */
export const checkNames = ['manifest', 'presence', 'checksum', 'log', 'checkpoint-record', 'snapshot', 'consistency'] as const;
export type CheckName = (typeof checkNames)[number];

/** How deep verify-backup looks: each level includes the ones before it. */
export const verifyLevels = ['presence', 'checksum', 'full'] as const;
export type VerifyLevel = (typeof verifyLevels)[number];

/** Every finding code, the check it belongs to, and what it means (docs/verify-backup.md's table repeats this). */
export const findingCodes = {
  BACKUP_NOT_FOUND: {
    check: 'manifest',
    meaning: 'No partition has a manifest for the backup id (or the store holds no backup to verify).',
  },
  PARTITION_MISSING: {
    check: 'manifest',
    meaning: 'A partition the manifests count (1..partitionCount) has no manifest for the backup id.',
  },
  PARTITION_NOT_COMPLETED: { check: 'manifest', meaning: 'A partition backup is IN_PROGRESS, FAILED or DELETED instead of COMPLETED.' },
  PARTITION_DUPLICATE: { check: 'manifest', meaning: 'More than one node holds a COMPLETED backup of the same partition.' },
  MANIFEST_UNREADABLE: { check: 'manifest', meaning: 'A manifest is not valid JSON or is larger than manifestBytesMax.' },
  MANIFEST_INVALID: { check: 'manifest', meaning: 'A manifest violates the manifest schema or one of its rules (FORMAT.md, "Manifest").' },
  MANIFEST_VERSION: { check: 'manifest', meaning: 'A manifest has a format version this cutline cannot read.' },
  MANIFEST_ID_MISMATCH: {
    check: 'manifest',
    meaning: 'The ids inside a manifest differ from the ids in its key (partition, checkpoint or node).',
  },
  PARTITION_COUNT_MISMATCH: { check: 'manifest', meaning: 'The manifests of one backup disagree on the number of partitions.' },
  FILE_PATH_UNSAFE: {
    check: 'manifest',
    meaning: 'A manifest lists a file path outside snapshot/ and segments/ (absolute, `..`, or invalid characters).',
  },
  FILE_LAYOUT: {
    check: 'manifest',
    meaning:
      'A manifest lists files restore cannot place: a snapshot file while snapshotId is null, a snapshotId not {processedPosition}-{lastWrittenPosition}, a snapshot without one of its three files, or two segment objects of one name (FORMAT.md, "Restore").',
  },
  ENGINE_VERSION: {
    check: 'manifest',
    meaning:
      'A partition backup was written by an engine version this cutline cannot restore (another major version, another minor in 0.x, newer, or not a semantic version).',
  },
  FILE_MISSING: { check: 'presence', meaning: 'A file the manifest lists is not in the store.' },
  FILE_SIZE_MISMATCH: { check: 'presence', meaning: 'A file in the store has another size than the manifest lists.' },
  CHUNK_MISSING: { check: 'presence', meaning: 'A chunk a format v2 manifest lists is not in the store.' },
  CHUNK_SIZE_MISMATCH: { check: 'presence', meaning: "A chunk in the store has another length than the manifest's storedBytes." },
  FILE_CHECKSUM_MISMATCH: {
    check: 'checksum',
    meaning: "A file's SHA-256 differs from the manifest's (format v2: the SHA-256 of its chunks in order, each of them sound).",
  },
  CHUNK_CORRUPT: {
    check: 'checksum',
    meaning:
      'A chunk has a bad header (magic, version, reserved field), another codec or length in its header than the manifest lists, or a payload that does not decompress to that length.',
  },
  CHUNK_CODEC_UNKNOWN: { check: 'checksum', meaning: "A chunk's header names a codec this cutline does not know." },
  CHUNK_CODEC_UNAVAILABLE: {
    check: 'checksum',
    meaning:
      'A chunk is stored with a codec this Node cannot decode (zstd needs Node 22.15 or later); verify and restore it with a newer Node.',
  },
  CHUNK_CHECKSUM_MISMATCH: {
    check: 'checksum',
    meaning: "A chunk's uncompressed bytes do not hash to its address (the SHA-256 in its key).",
  },
  LOG_CORRUPT: { check: 'log', meaning: 'A backed-up segment has a bad header, a CRC mismatch or a malformed frame.' },
  LOG_POSITION: {
    check: 'log',
    meaning:
      'Positions in the backed-up segments are not contiguous (a gap or an overlap), or a segment object is not named by its first position.',
  },
  LOG_COVERAGE: {
    check: 'log',
    meaning:
      "The backed-up log does not cover the snapshot's position + 1 up to the checkpoint position, or differs from the manifest's range.",
  },
  RECORD_MALFORMED: { check: 'log', meaning: 'A backed-up record has an unknown type or a payload that is not a JSON object.' },
  CHECKPOINT_RECORD_MISSING: {
    check: 'checkpoint-record',
    meaning: 'The record at checkpointPosition is not the CHECKPOINT_CREATE of the backup id.',
  },
  SNAPSHOT_MISSING: { check: 'snapshot', meaning: 'The manifest names a snapshot but lists no state.db for it.' },
  SNAPSHOT_CORRUPT: {
    check: 'snapshot',
    meaning:
      'The snapshot disagrees with its CHECKSUMS file (or that file does not list state.db and metadata.json), its metadata.json is unreadable or names another snapshot or partition, its metadata.json disagrees with its state.db (last written position, checkpoint) or its id, or state.db does not open as SQLite, fails PRAGMA integrity_check, or has an unknown schema.',
  },
  SNAPSHOT_POSITION_MISMATCH: {
    check: 'snapshot',
    meaning:
      "The snapshot's processed position (in its state.db or its metadata.json) differs from the manifest's snapshotProcessedPosition.",
  },
  ORPHAN_COMMAND: {
    check: 'consistency',
    meaning:
      "A command recorded at or before a partition's cut was sent after the sender's cut, or is addressed to another partition (its instance key names another one).",
  },
  COMMAND_INDEX_INVALID: {
    check: 'consistency',
    meaning:
      'A command index (format v3, FORMAT.md "Command index") is not well formed: its header, its length, an entry out of order or outside its segment, an unknown record type, non-zero reserved bytes.',
  },
  COMMAND_INDEX_MISMATCH: {
    check: 'consistency',
    meaning: "A command index disagrees with its segment's records, recomputed from them (an entry missing, extra or different).",
  },
} as const satisfies Record<string, { readonly check: CheckName; readonly meaning: string }>;

export type FindingCode = keyof typeof findingCodes;

/** One problem found in a backup. Findings never stop verification: every one is reported. */
export interface Finding {
  readonly code: FindingCode;
  readonly backupId: number;
  readonly partitionId?: number;
  /** The store key (or key and byte offset) the finding is about. */
  readonly path?: string;
  readonly message: string;
}

export function checkOf(code: FindingCode): CheckName {
  return findingCodes[code].check;
}

/** What verify-backup found in one backup id. */
export interface BackupVerification {
  readonly backupId: number;
  /** Every partition the backup should have (1..partitionCount) plus any other partition that has a manifest. */
  readonly partitionIds: readonly number[];
  /** The checks the level asked for. */
  readonly checks: readonly CheckName[];
  /** `{partitionId}:{check}` of each check that could not run (e.g. no readable manifest); shown as skipped. */
  readonly skipped: readonly string[];
  readonly findings: readonly Finding[];
}

export interface VerifyReport {
  readonly store: string;
  readonly level: VerifyLevel;
  readonly backups: readonly BackupVerification[];
  /** Findings not tied to one backup id (e.g. an empty store under --latest). */
  readonly findings: readonly Finding[];
}

export function allFindings(report: VerifyReport): Finding[] {
  return [...report.findings, ...report.backups.flatMap((backup) => backup.findings)];
}

/** The checks a level runs. */
export function checksOf(level: VerifyLevel): CheckName[] {
  if (level === 'presence') return ['manifest', 'presence'];
  if (level === 'checksum') return ['manifest', 'presence', 'checksum'];
  return [...checkNames];
}

export function skipKey(partitionId: number, check: CheckName): string {
  return `${partitionId}:${check}`;
}
