// Where each object of a backup lives in the store (FORMAT.md, "Backup store layout"), and the way back from a key.
import { CutlineError } from '../errors.js';
import { validateKey } from '../store/store-key.js';

/** One partition's backup of one checkpoint, taken by one node. */
export interface BackupId {
  readonly partitionId: number;
  readonly checkpointId: number;
  readonly nodeId: number;
}

/** The two kinds of content a manifest lists; a file's path starts with one of them and '/'. */
export const contentKinds = ['snapshot', 'segments', 'commands'] as const;
export type ContentKind = (typeof contentKinds)[number];

const manifestKeyPattern = /^manifests\/(0|[1-9][0-9]*)\/(0|[1-9][0-9]*)\/(0|[1-9][0-9]*)\/manifest\.json$/;

export const manifestsPrefix = 'manifests/';
export const contentsPrefix = 'contents/';
export const metadataPrefix = 'metadata/';

/** `manifests/{partitionId}/{checkpointId}/{nodeId}/manifest.json` */
export function manifestKey(id: BackupId): string {
  return `${backupPath('manifests', id)}/manifest.json`;
}

/** `contents/{partitionId}/{checkpointId}/{nodeId}/`: every file of the backup is under it. */
export function contentsKeyPrefix(id: BackupId): string {
  return `${backupPath('contents', id)}/`;
}

/** The key of a file a manifest lists, e.g. `contents/1/5/0/segments/00000001.log`. */
export function contentKey(id: BackupId, path: string): string {
  validateContentPath(path);
  return `${contentsKeyPrefix(id)}${path}`;
}

/** `manifests/{partitionId}/`: all manifests of a partition (every checkpoint, every node). */
export function partitionManifestsPrefix(partitionId: number): string {
  checkNonNegativeInteger('partitionId', partitionId);
  return `${manifestsPrefix}${partitionId}/`;
}

/** `metadata/{partitionId}/metadata.json`: the partition's checkpoints and backup ranges. */
export function metadataKey(partitionId: number): string {
  checkNonNegativeInteger('partitionId', partitionId);
  return `${metadataPrefix}${partitionId}/metadata.json`;
}

/** The backup a manifest key names, or undefined for any other key (so listings can skip strays). */
export function parseManifestKey(key: string): BackupId | undefined {
  const match = manifestKeyPattern.exec(key);
  if (match === null) return undefined;
  const [partitionId, checkpointId, nodeId] = [match[1], match[2], match[3]].map(Number);
  if (partitionId === undefined || checkpointId === undefined || nodeId === undefined) return undefined;
  if (![partitionId, checkpointId, nodeId].every(Number.isSafeInteger)) return undefined;
  return { partitionId, checkpointId, nodeId };
}

/**
 * A path inside a backup's contents: `snapshot/...` or `segments/...`, made of valid key
 * components (so no `..`, no absolute path). Throws MANIFEST_INVALID naming the path otherwise.
 */
export function validateContentPath(path: string): void {
  const kind = path.split('/')[0];
  if (!contentKinds.includes(kind as ContentKind) || !path.includes('/')) {
    throw new CutlineError(
      'MANIFEST_INVALID',
      `backup file path ${JSON.stringify(path)} must start with snapshot/, segments/ or commands/`,
    );
  }
  try {
    validateKey(path);
  } catch (error) {
    throw new CutlineError(
      'MANIFEST_INVALID',
      `backup file path ${JSON.stringify(path)} is not a valid relative path: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export function formatBackupId(id: BackupId): string {
  return `partition ${id.partitionId}, checkpoint ${id.checkpointId}, node ${id.nodeId}`;
}

function backupPath(root: 'manifests' | 'contents', id: BackupId): string {
  checkNonNegativeInteger('partitionId', id.partitionId);
  checkNonNegativeInteger('checkpointId', id.checkpointId);
  checkNonNegativeInteger('nodeId', id.nodeId);
  return `${root}/${id.partitionId}/${id.checkpointId}/${id.nodeId}`;
}

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CutlineError('USAGE', `${name} must be a non-negative integer, got ${String(value)}`);
  }
}
