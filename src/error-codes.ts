// Every stable error code cutline reports, with the CLI exit code it maps to.
// The error table of docs/errors.md is checked against this list by a test: add a row there too.

export interface ErrorCodeInfo {
  readonly exitCode: number;
  readonly description: string;
}

/** Exit codes: 0 success, 1 findings (verify-backup), 2 usage or unreadable input, 3 operation failed. */
export const errorCodes = {
  USAGE: { exitCode: 2, description: 'The command line or configuration is wrong.' },
  INTERNAL: { exitCode: 70, description: 'An assertion failed, or a failure cutline has no code for: a bug in cutline. Please report it.' },
  LIMIT_EXCEEDED: { exitCode: 2, description: 'An input exceeds one of the limits in src/limits.ts.' },
  LOG_CORRUPT: { exitCode: 3, description: 'A log segment has a CRC mismatch or malformed frame before its tail.' },
  LOG_POSITION: { exitCode: 3, description: 'A log position is out of range or not strictly increasing.' },
  LOG_FORMAT: { exitCode: 3, description: 'A segment header has a wrong magic or an unknown format version.' },
  LOG_IO: { exitCode: 3, description: 'A log file operation failed; the log refuses writes until it is reopened.' },
  // Engine (src/engine): records, snapshots, recovery.
  RECORD_MALFORMED: { exitCode: 3, description: 'An engine record has an unknown type or a payload that is not a JSON object.' },
  SNAPSHOT_CORRUPT: {
    exitCode: 3,
    description:
      'A snapshot directory is incomplete, its SHA-256 checksums do not match, or its state.db is not at its processed position.',
  },
  ENGINE_RECOVERY: { exitCode: 3, description: 'A partition cannot rebuild its state: no valid snapshot covers the start of its log.' },
  // Backup store, manifests and archives (src/store, src/backup).
  STORE_NOT_FOUND: { exitCode: 3, description: 'An object the operation needs does not exist in the backup store.' },
  STORE_ALREADY_EXISTS: { exitCode: 3, description: 'A create-only write found the object already present in the backup store.' },
  STORE_UNAVAILABLE: { exitCode: 3, description: 'The backup store did not answer or failed, after retries.' },
  STORE_ACCESS_DENIED: { exitCode: 3, description: 'The backup store refused the credentials or the operation.' },
  STORE_KEY_INVALID: {
    exitCode: 2,
    description: 'An object key is empty, absolute, has `..`, NUL or a character outside the key alphabet.',
  },
  STORE_RANGE_INVALID: { exitCode: 3, description: 'A byte range lies outside the object it was asked of.' },
  STORE_OBJECT_CHANGED: {
    exitCode: 3,
    description: 'An object was replaced while it was being read, and the rest of the read would have come from the new one.',
  },
  STORE_SIZE_MISMATCH: { exitCode: 3, description: 'A body held more or fewer bytes than its declared size.' },
  STORE_SYMLINK: {
    exitCode: 3,
    description:
      'An object of a filesystem store, or a directory on its way, is a symbolic link; the store never reads or writes through one.',
  },
  MANIFEST_INVALID: { exitCode: 3, description: 'A backup manifest is not valid JSON or violates the manifest schema.' },
  MANIFEST_VERSION: { exitCode: 3, description: 'A backup manifest has a format version this cutline cannot read.' },
  MANIFEST_TRANSITION: { exitCode: 3, description: 'A backup status change is not one of the legal transitions.' },
  BACKUP_NOT_FOUND: { exitCode: 3, description: 'No partition has a manifest for the backup id.' },
  BACKUP_INCOMPLETE: { exitCode: 3, description: 'A backup is not COMPLETED on every partition it names.' },
  PARTITION_DUPLICATE: {
    exitCode: 3,
    description:
      'More than one node holds a COMPLETED backup of the same partition for the backup id, so restore and export do not know which to use.',
  },
  ARCHIVE_INVALID: {
    exitCode: 3,
    description: 'A backup archive has an entry that is unsafe, unexpected or malformed, or the file is cut short.',
  },
  ARCHIVE_CHECKSUM: { exitCode: 3, description: 'A file in a backup archive does not match the size or SHA-256 its manifest lists.' },
  CHUNK_CORRUPT: {
    exitCode: 3,
    description: 'A stored chunk (format v2) has a broken header, or its stored or decompressed length or codec differs from its manifest.',
  },
  CHUNK_CODEC: { exitCode: 3, description: 'A chunk is stored with a codec this cutline, or this Node, cannot decode.' },
  CHUNK_COLLECTION_BUSY: {
    exitCode: 3,
    description: 'A backup waited too long for a chunk collection that condemns chunks the backup reuses.',
  },
  // End of backup store block.
  // --- model checking (spec) ---
  MODEL_CHECK_MISMATCH: { exitCode: 1, description: 'A model checked with an outcome other than the one spec/models.json expects.' },
  MODEL_CHECK_NO_BACKEND: { exitCode: 4, description: 'No model-checking backend is available (no TLC jar or Java, no built-in checker).' },
  MODEL_CHECK_FAILED: {
    exitCode: 3,
    description: 'A model checker could not run a model to a verdict (Java missing, TLC crashed, parse error).',
  },
  MODELS_INVALID: { exitCode: 2, description: 'spec/models.json is malformed or names a model, module or .cfg that does not exist.' },
  TLC_NOT_FOUND: { exitCode: 2, description: 'TLA2TOOLS_JAR names a file that does not exist or cannot be read.' },
  TLC_INSTALL_FAILED: { exitCode: 3, description: 'Downloading tla2tools.jar failed or its SHA-256 did not match the pinned one.' },
  // Built-in TLA+ model checker (src/tla/builtin).
  TLA_SYNTAX: { exitCode: 2, description: 'A TLA+ module does not parse, or names an undefined operator or uses it with the wrong arity.' },
  TLA_CONFIG: { exitCode: 2, description: 'A TLC .cfg file is malformed or names something the module does not define.' },
  TLA_UNSUPPORTED: { exitCode: 2, description: 'The TLA+ module uses a construct the built-in checker does not support.' },
  TLA_ASSUMPTION: { exitCode: 1, description: "An ASSUME of the TLA+ module is false for the .cfg's constants." },
  TLA_PROPERTY_FORM: {
    exitCode: 2,
    description: 'A temporal property has a form TLC cannot check either, such as <><<A>>_v (TLC ends with its general error, 255).',
  },
  TLA_EVAL: { exitCode: 3, description: 'Evaluating the TLA+ model failed (a type error, CHOOSE with no witness, Assert, ...).' },
  // Continuous backups (src/backup/backup-metadata.ts).
  PARTITION_METADATA_INVALID: {
    exitCode: 3,
    description: 'A partition metadata.json in the store is not valid JSON, has another format version, or lacks a field.',
  },
  // End of continuous backups block.
  // Backup manager and management API (src/backup/backup-manager.ts, src/api).
  BACKUP_ID_CONFLICT: { exitCode: 3, description: 'A backup id is not greater than every earlier checkpoint or backup id (HTTP 409).' },
  BACKUP_SOURCE_DAMAGED: {
    exitCode: 3,
    description:
      'A log segment being backed up has a damaged frame, a position out of order or a malformed record up to its durable end: the backup fails rather than store it.',
  },
  BACKUP_IN_PROGRESS: {
    exitCode: 3,
    description: 'The backup is still being taken on some partition, so it cannot be deleted yet (HTTP 409).',
  },
  API_UNAVAILABLE: { exitCode: 3, description: 'The engine management API did not answer or answered with something unexpected.' },
  API_NOT_FOUND: { exitCode: 2, description: 'The management API has no such route (HTTP 404).' },
  API_UNAUTHORIZED: {
    exitCode: 2,
    description: 'The management API needs `Authorization: Bearer <token>` with its token (HTTP 401); the CLI sends CUTLINE_API_TOKEN.',
  },
  // End of backup manager block.
  // verify-backup (src/verify): findings are not errors (exit 1); only an unreadable store is.
  VERIFY_STORE_UNREADABLE: { exitCode: 2, description: 'verify-backup could not read the backup store, so it could not verify anything.' },
  VERIFY_LOCAL_IO: {
    exitCode: 2,
    description: 'verify-backup could not use its temporary directory (--temp-dir) or write its report (--output).',
  },
  // End of verify-backup block.
  // Restore (src/restore).
  RESTORE_PARTITION_MISSING: { exitCode: 3, description: 'A partition this node owns has no manifest for the backup id.' },
  RESTORE_PARTITION_COUNT: {
    exitCode: 3,
    description: 'The manifests of a backup disagree on the number of partitions, or a partition id lies outside it.',
  },
  RESTORE_ENGINE_VERSION: { exitCode: 3, description: 'A partition backup was written by an engine version this cutline cannot restore.' },
  RESTORE_LAYOUT: { exitCode: 3, description: 'A manifest lists a file restore cannot place in the data directory.' },
  RESTORE_TARGET_NOT_EMPTY: { exitCode: 2, description: 'The data directory to restore into is not empty (or holds another restore).' },
  RESTORE_TARGET_SPACE: {
    exitCode: 3,
    description: 'The filesystem of the data directory has less free space than the restore writes, or ran out of space during it.',
  },
  RESTORE_TARGET_UNWRITABLE: {
    exitCode: 3,
    description: 'The data directory cannot be created or written (a read-only filesystem, no permission).',
  },
  RESTORE_CHECKSUM: { exitCode: 3, description: 'A downloaded file does not match the size or SHA-256 its manifest lists.' },
  RESTORE_CHECKPOINT_RECORD: {
    exitCode: 3,
    description: "The record at a partition backup's checkpointPosition is missing or not the checkpoint of the backup id.",
  },
  COMMAND_INDEX_INVALID: {
    exitCode: 3,
    description:
      'A command index of a format 3 backup (FORMAT.md "Command index") is not well formed: its header, an entry out of order or outside its segment, or an unknown record type.',
  },
  RESTORE_INCONSISTENT: {
    exitCode: 3,
    description: "The restored logs hold a command received before the cut whose send lies after the sender's cut.",
  },
  RESTORE_ABORTED: { exitCode: 3, description: 'The restore was interrupted; the data directory was left as found.' },
  // Point-in-time restore (issue 6).
  RESTORE_GAP: {
    exitCode: 3,
    description: 'A point-in-time restore needs log positions of a partition that no chain of contiguous backups holds.',
  },
  RESTORE_STITCH: {
    exitCode: 3,
    description: 'Two consecutive backups of a point-in-time restore chain disagree on the records they both hold.',
  },
  RESTORE_POINT_NOT_FOUND: {
    exitCode: 3,
    description: 'No checkpoint is at or before the --to time, or no partition has a checkpoint id at or above the --to-checkpoint id.',
  },
  // End of restore block.
  DEMO_STEP_FAILED: { exitCode: 3, description: 'A step of `cutline demo` failed; its message names the command and its error.' },
  // Trace validation (src/tla/trace).
  TRACE_INVALID: {
    exitCode: 2,
    description: 'A protocol trace line is not a JSON object of a known event with the fields FORMAT.md lists.',
  },
  TRACE_REJECTED: { exitCode: 1, description: 'A protocol trace is not a behaviour of the spec: an event the spec does not allow.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;
