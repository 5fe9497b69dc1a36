// The backup manifest: its types, parsing with the version rule and schema, and the legal status transitions.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CutlineError } from '../errors.js';
import type { Clock } from '../clock.js';
import { manifestBytesMax } from '../limits.js';
import { formatBackupId, validateContentPath, type BackupId } from './backup-layout.js';
import { manifestSchema, manifestSchemaV2, manifestSchemaV3 } from './manifest-schema.js';
import { commandIndexPath } from './command-index.js';
import type { ChunkRef, StoredChunkRef } from './chunk-format.js';
import type { ChunkCodec } from '../store/chunk-codec.js';
import type { ManifestDescriptor } from '../protocol/backup-descriptor.js';

/** The manifest format version new backups are written in (3: chunks and command indexes); versions 1 and 2 stay readable. */
export const manifestFormatVersion = 3;
export const manifestFormatVersions = [1, 2, 3] as const;
export type ManifestFormatVersion = (typeof manifestFormatVersions)[number];

export type ManifestStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'DELETED';
/** A chunk as a v2 manifest lists it: storedBytes and codec are known once it is stored (always in a COMPLETED manifest). */
export interface ManifestChunk extends ChunkRef {
  readonly storedBytes?: number;
  readonly codec?: ChunkCodec;
}

export interface ManifestFile {
  /** Relative to the backup's contents prefix: `snapshot/...` or `segments/...`. */
  readonly path: string;
  readonly sizeBytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  /** Format v2: the file's bytes, chunk after chunk; absent in v1, where the file is one object under contents/. */
  readonly chunks?: readonly ManifestChunk[];
}

export interface Manifest {
  readonly formatVersion: ManifestFormatVersion;
  readonly id: BackupId;
  readonly descriptor: ManifestDescriptor;
  readonly status: ManifestStatus;
  /** Why the backup failed: a string exactly when status is FAILED (kept when a FAILED backup is DELETED). */
  readonly failureReason: string | null;
  readonly files: readonly ManifestFile[];
  /** Format v2, COMPLETED: the stored bytes of the chunks this backup uploaded (what it added to the store). */
  readonly addedBytes?: number;
  /** ISO 8601 UTC times from the writer's clock. */
  readonly createdAt: string;
  readonly modifiedAt: string;
}

const legalTransitions: Readonly<Record<ManifestStatus, readonly ManifestStatus[]>> = {
  IN_PROGRESS: ['COMPLETED', 'FAILED'],
  COMPLETED: ['DELETED'],
  FAILED: ['DELETED'],
  DELETED: [],
};

// ajv-formats is CommonJS with a default export; under NodeNext its default import is the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schemas = { 1: manifestSchema, 2: manifestSchemaV2, 3: manifestSchemaV3 } as const;
type SchemaVersion = keyof typeof schemas;
const validators = new Map<SchemaVersion, ValidateFunction<Manifest>>();
let ajv: Ajv | undefined;

/**
 * The validator of a format version, compiled when first needed: compiling all three costs about 100 ms, which
 * every process importing this module (each restore's check threads, every CLI command) would otherwise pay.
 */
function validateSchema(version: SchemaVersion): ValidateFunction<Manifest> {
  let validate = validators.get(version);
  if (validate === undefined) {
    ajv ??= addFormats(new Ajv({ allErrors: true, strict: true }));
    validate = ajv.compile<Manifest>(schemas[version]);
    validators.set(version, validate);
  }
  return validate;
}

/** Format v2 and later: a file's bytes live in chunks. */
export function isChunked(manifest: Pick<Manifest, 'formatVersion'>): boolean {
  return manifest.formatVersion >= 2;
}

/** Format v3 and later: every segment has a command index, and every frame was checked when the backup was taken. */
export function hasCommandIndexes(manifest: Pick<Manifest, 'formatVersion'>): boolean {
  return manifest.formatVersion >= 3;
}

/** A new IN_PROGRESS manifest, written (create-only) before any content is uploaded. */
export function newManifest(
  id: BackupId,
  descriptor: ManifestDescriptor,
  clock: Clock,
  formatVersion: ManifestFormatVersion = manifestFormatVersion,
): Manifest {
  const now = new Date(clock.nowMs()).toISOString();
  const manifest: Manifest = {
    formatVersion,
    id,
    descriptor,
    status: 'IN_PROGRESS',
    failureReason: null,
    files: [],
    createdAt: now,
    modifiedAt: now,
  };
  checkManifest(manifest, formatBackupId(id));
  return manifest;
}

/** What a status change may also change. */
export interface ManifestChange {
  readonly files?: readonly ManifestFile[];
  readonly failureReason?: string;
  readonly addedBytes?: number;
}

/**
 * Moves a manifest to a new status; anything but a legal transition is MANIFEST_TRANSITION. A v2
 * manifest may also stay IN_PROGRESS with a new file list: the writer's intent, which references its
 * chunks before it relies on any of them (FORMAT.md, "Write ordering").
 */
export function transitionManifest(manifest: Manifest, status: ManifestStatus, clock: Clock, change: ManifestChange = {}): Manifest {
  const intent = isChunked(manifest) && manifest.status === 'IN_PROGRESS' && status === 'IN_PROGRESS';
  if (!intent && !legalTransitions[manifest.status].includes(status)) {
    throw new CutlineError(
      'MANIFEST_TRANSITION',
      `the backup of ${formatBackupId(manifest.id)} is ${manifest.status} and cannot become ${status}`,
      {
        hint: 'Legal transitions: IN_PROGRESS -> COMPLETED | FAILED, COMPLETED | FAILED -> DELETED.',
      },
    );
  }
  const failureReason = status === 'FAILED' ? (change.failureReason ?? 'unknown failure') : manifest.failureReason;
  const addedBytes = change.addedBytes ?? manifest.addedBytes;
  const next: Manifest = {
    ...manifest,
    status,
    failureReason,
    files: change.files ?? manifest.files,
    ...(addedBytes === undefined ? {} : { addedBytes }),
    modifiedAt: new Date(clock.nowMs()).toISOString(),
  };
  checkManifest(next, formatBackupId(manifest.id));
  return next;
}

/** The bytes stored for a manifest: validated first, so an invalid manifest is never uploaded. */
export function serializeManifest(manifest: Manifest): Buffer {
  checkManifest(manifest, formatBackupId(manifest.id));
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Parses a downloaded manifest. The format version is checked before anything else, so a manifest
 * of a newer cutline is reported as such (MANIFEST_VERSION), not as a schema violation.
 */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  if (bytes.byteLength > manifestBytesMax) {
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `manifest ${where} is ${bytes.byteLength} bytes, more than manifestBytesMax (${manifestBytesMax})`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new CutlineError('MANIFEST_INVALID', `manifest ${where} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const version = (document as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof document === 'object' && document !== null && !isKnownVersion(version)) {
    throw new CutlineError('MANIFEST_VERSION', unknownVersionMessage(where, version), {
      hint: 'A newer cutline wrote this backup: restore it with that version.',
    });
  }
  checkManifest(document, where);
  return document;
}

/** Schema plus the rules a schema cannot say; throws MANIFEST_INVALID listing every violation. */
export function checkManifest(document: unknown, where: string): asserts document is Manifest {
  const version = (document as { formatVersion?: unknown } | null)?.formatVersion;
  const validate = validateSchema(version === 2 || version === 3 ? version : 1);
  if (!validate(document)) {
    throw invalid(where, (validate.errors ?? []).map(describeSchemaError));
  }
  const problems: string[] = [];
  if (isChunked(document)) problems.push(...chunkProblems(document));
  if (hasCommandIndexes(document)) problems.push(...commandIndexProblems(document));
  const { descriptor: d, status, failureReason, files } = document;
  if (d.snapshotProcessedPosition > d.checkpointPosition)
    problems.push(`snapshotProcessedPosition ${d.snapshotProcessedPosition} is after checkpointPosition ${d.checkpointPosition}`);
  if (d.firstLogPosition > d.checkpointPosition || d.checkpointPosition > d.lastLogPosition) {
    problems.push(`checkpointPosition ${d.checkpointPosition} is outside the backed-up log [${d.firstLogPosition}, ${d.lastLogPosition}]`);
  }
  if (d.firstLogPosition > d.snapshotProcessedPosition + 1)
    problems.push(`the log starts at ${d.firstLogPosition}, after the snapshot's position ${d.snapshotProcessedPosition} + 1`);
  if ((d.snapshotId === null) !== (d.snapshotProcessedPosition === 0))
    problems.push('snapshotId is null exactly when snapshotProcessedPosition is 0');
  if (status === 'FAILED' && failureReason === null) problems.push('a FAILED manifest needs a failureReason');
  if ((status === 'IN_PROGRESS' || status === 'COMPLETED') && failureReason !== null)
    problems.push(`a ${status} manifest has no failureReason`);
  if (status === 'COMPLETED' && files.length === 0) problems.push('a COMPLETED manifest lists its files');
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) problems.push(`file ${file.path} is listed twice`);
    seen.add(file.path);
    try {
      validateContentPath(file.path);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw invalid(where, problems);
}

export function isKnownVersion(version: unknown): version is ManifestFormatVersion {
  return (manifestFormatVersions as readonly unknown[]).includes(version);
}

export function unknownVersionMessage(where: string, version: unknown): string {
  return `manifest ${where} has format version ${JSON.stringify(version) ?? 'none'}; this cutline reads versions ${manifestFormatVersions.join(', ')}`;
}

/** Format v2: each file's chunks add up to its size, and a COMPLETED manifest says how each chunk is stored. */
function chunkProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const file of manifest.files) {
    const chunks = file.chunks ?? [];
    const total = chunks.reduce((sum, chunk) => sum + chunk.sizeBytes, 0);
    if (total !== file.sizeBytes) problems.push(`the chunks of ${file.path} add up to ${total} bytes, not its ${file.sizeBytes}`);
    if (manifest.status === 'COMPLETED' && chunks.some((chunk) => chunk.storedBytes === undefined || chunk.codec === undefined)) {
      problems.push(`a chunk of ${file.path} lacks storedBytes or codec, which a COMPLETED manifest lists`);
    }
  }
  if (manifest.status === 'COMPLETED' && manifest.addedBytes === undefined) problems.push('a COMPLETED manifest says its addedBytes');
  return problems;
}

/** Format v3: each segment `segments/{name}.log` has its index `commands/{name}.idx`, and each index its segment. */
function commandIndexProblems(manifest: Manifest): string[] {
  const paths = new Set(manifest.files.map((file) => file.path));
  const indexes = new Set<string>();
  const problems: string[] = [];
  for (const path of paths) {
    if (!path.startsWith('segments/')) continue;
    indexes.add(commandIndexPath(path));
    if (!paths.has(commandIndexPath(path))) problems.push(`segment ${path} has no ${commandIndexPath(path)}`);
  }
  for (const path of paths)
    if (path.startsWith('commands/') && !indexes.has(path)) problems.push(`command index ${path} belongs to no segment the manifest lists`);
  return problems;
}

/** The chunks of a v2 file as a COMPLETED manifest lists them (checkManifest made sure each says how it is stored). */
export function storedChunks(file: ManifestFile): StoredChunkRef[] {
  return (file.chunks ?? []).map((chunk) => {
    if (chunk.storedBytes === undefined || chunk.codec === undefined) {
      throw new CutlineError('MANIFEST_INVALID', `a chunk of ${file.path} lacks storedBytes or codec`);
    }
    return { sha256: chunk.sha256, sizeBytes: chunk.sizeBytes, storedBytes: chunk.storedBytes, codec: chunk.codec };
  });
}

function describeSchemaError(error: ErrorObject): string {
  const at = error.instancePath === '' ? 'the document' : error.instancePath;
  const allowed = error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${at} ${error.message ?? 'is invalid'}${allowed}${extra}`;
}

function invalid(where: string, problems: readonly string[]): CutlineError {
  return new CutlineError('MANIFEST_INVALID', `manifest ${where} is invalid: ${problems.join('; ')}`, {
    hint: 'FORMAT.md, section "Manifest", lists every field and rule.',
  });
}
