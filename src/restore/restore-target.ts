// The data directory being restored into: what it holds now, the staging area, the commit record, moving into place, the completion marker.
import { constants } from 'node:fs';
import { access, lstat, mkdir, readFile, readdir, readlink, realpath, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CutlineError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { RestorePlan } from './restore-plan.js';
import { completionMarkerName, stagingDirectoryName } from './restore-layout.js';
import { syncPath, writeDurably } from './durable-fs.js';

/** Inside the staging directory: the data as it will be in the target, and the commit record. */
export const stagedDataName = 'data';
export const commitRecordName = 'COMMIT.json';
/** Entries the file system itself puts into a fresh mount point; a restore ignores them. */
const ignoredEntries = new Set(['lost+found']);

/** What the marker and the commit record say about a restore (FORMAT.md, "Restore"). */
export interface RestoreIdentity {
  readonly formatVersion: 1;
  readonly backupId: number;
  readonly nodeId: number;
  readonly clusterSize: number;
  readonly partitionIds: readonly number[];
}

export interface CompletionMarker extends RestoreIdentity {
  readonly cuts: Readonly<Record<string, number>>;
  readonly completedAt: string;
}

export interface CommitRecord extends RestoreIdentity {
  /** The top-level entries of the staged data, moved into the target in this order. */
  readonly entries: readonly string[];
  /** What the plan restores (staging-proof.ts, planDigest): a record of another plan is not this restore's. */
  readonly planSha256: string;
  /** Every file of the staged data with its size and SHA-256 (staging-proof.ts, listingDigest), as committed. */
  readonly dataSha256: string;
}

export type TargetState =
  | { readonly kind: 'fresh'; readonly created: boolean; readonly staleStaging: boolean }
  | { readonly kind: 'committed'; readonly commit: CommitRecord }
  | { readonly kind: 'completed'; readonly marker: CompletionMarker };

export function restoreIdentity(plan: RestorePlan): RestoreIdentity {
  return {
    formatVersion: 1,
    backupId: plan.target.backupId,
    nodeId: plan.nodeId,
    clusterSize: plan.clusterSize,
    partitionIds: plan.partitions.map((p) => p.partitionId),
  };
}

/**
 * The data directory with every symbolic link on its path resolved, once, before the restore does
 * anything: inspection, the free-space check, staging and the move into place then all work on one real
 * directory, even if the link is changed while the restore runs, and the output can say where the data
 * went. A target that does not exist yet resolves through its deepest existing parent. A link to nothing
 * is refused: creating its target would put the data wherever it points without anyone having looked.
 */
export async function realTargetDirectory(dataDirectory: string): Promise<string> {
  const real = await realpath(dataDirectory).catch((error: NodeJS.ErrnoException) => {
    // Anything but a missing path (a parent that is a file, no permission) is left to the checks that report it.
    if (error.code === 'ENOENT') return undefined;
    return dataDirectory;
  });
  if (real !== undefined) return real;
  if ((await lstat(dataDirectory).catch(() => undefined))?.isSymbolicLink() === true) {
    const pointsTo = await readlink(dataDirectory);
    throw new CutlineError(
      'RESTORE_TARGET_UNWRITABLE',
      `the data directory ${dataDirectory} is a symbolic link to ${pointsTo}, which does not exist`,
      {
        hint: 'Create the directory the link points to, or pass --data-dir the real directory; nothing was written.',
      },
    );
  }
  const parent = dirname(dataDirectory);
  return parent === dataDirectory ? dataDirectory : join(await realTargetDirectory(parent), basename(dataDirectory));
}

/**
 * Looks at the target without changing anything but creating it when absent. A directory holding
 * anything but `lost+found`, this restore's staging area and marker is refused, naming what is in it.
 */
export async function inspectTarget(dataDirectory: string, plan: RestorePlan): Promise<TargetState> {
  const created = !(await exists(dataDirectory));
  if (created) await mkdir(dataDirectory, { recursive: true }).catch((error: unknown) => Promise.reject(unwritable(dataDirectory, error)));
  else if (!(await stat(dataDirectory)).isDirectory()) throw notEmpty(dataDirectory, `${dataDirectory} is not a directory`);
  const entries = (await readdir(dataDirectory)).filter((name) => !ignoredEntries.has(name)).sort();
  const identity = restoreIdentity(plan);
  if (entries.includes(completionMarkerName)) {
    const marker = await readDocument<CompletionMarker>(join(dataDirectory, completionMarkerName));
    if (marker !== undefined && sameRestore(marker, identity)) return { kind: 'completed', marker };
    throw notEmpty(
      dataDirectory,
      `${dataDirectory} holds a completed restore of ${marker === undefined ? 'an unreadable marker' : describe(marker)}`,
    );
  }
  const staging = join(dataDirectory, stagingDirectoryName);
  const found = entries.includes(stagingDirectoryName)
    ? await readDocument<Partial<CommitRecord>>(join(staging, commitRecordName))
    : undefined;
  // A record that is not even shaped like one was not written by a restore: its staging is stale.
  const commit =
    Array.isArray(found?.entries) && found.entries.every((entry) => typeof entry === 'string') ? (found as CommitRecord) : undefined;
  const others = entries.filter(
    (name) => name !== stagingDirectoryName && name !== `.${completionMarkerName}.tmp` && !(commit?.entries.includes(name) ?? false),
  );
  if (others.length > 0) {
    const shown = others.slice(0, 10).join(', ') + (others.length > 10 ? `, and ${others.length - 10} more` : '');
    throw notEmpty(dataDirectory, `the data directory ${dataDirectory} is not empty: it holds ${shown}`);
  }
  if (commit === undefined) return { kind: 'fresh', created, staleStaging: entries.includes(stagingDirectoryName) };
  if (!sameRestore(commit, identity))
    throw notEmpty(dataDirectory, `${dataDirectory} holds an interrupted restore of ${describe(commit)}, past its commit point`);
  return { kind: 'committed', commit };
}

/** Removes a staging area (stale, or of a failed run) and makes that durable. */
export async function removeStaging(dataDirectory: string): Promise<void> {
  await rm(join(dataDirectory, stagingDirectoryName), { recursive: true, force: true });
  await syncPath(dataDirectory);
}

/**
 * Drops a staging directory whose commit record is not proven to be this restore's (staging-proof.ts), so
 * the restore starts over. When an entry the record names is in the target already, nothing proves it
 * came from a restore: the target is then refused as not empty.
 */
export async function discardUnprovenStaging(
  dataDirectory: string,
  commit: CommitRecord,
): Promise<TargetState & { readonly kind: 'fresh' }> {
  const present: string[] = [];
  for (const entry of commit.entries) {
    if (/^[^/\\]+$/.test(entry) && entry !== '.' && entry !== '..' && (await exists(join(dataDirectory, entry)))) present.push(entry);
  }
  if (present.length > 0) {
    throw notEmpty(
      dataDirectory,
      `the data directory ${dataDirectory} holds ${present.join(', ')} beside a restore staging directory whose commit record does not match its data or this restore`,
    );
  }
  await removeStaging(dataDirectory);
  return { kind: 'fresh', created: false, staleStaging: false };
}

/** Leaves the target as found after a failure: no staging, and no directory if the restore created it. */
export async function restoreTargetAsFound(dataDirectory: string, created: boolean): Promise<void> {
  await removeStaging(dataDirectory);
  await rm(join(dataDirectory, `.${completionMarkerName}.tmp`), { force: true });
  if (created) await rmdir(dataDirectory).catch(() => undefined);
}

/** The commit point: from here on a re-run completes the restore instead of starting over. */
export async function writeCommitRecord(dataDirectory: string, commit: CommitRecord): Promise<void> {
  await writeDurably(join(dataDirectory, stagingDirectoryName, commitRecordName), `${JSON.stringify(commit, null, 2)}\n`);
}

/** Moves the staged entries into the target (skipping those already moved), then writes the marker, then drops staging. */
export async function completeRestore(
  dataDirectory: string,
  commit: CommitRecord,
  cuts: Readonly<Record<string, number>>,
  clock: Clock,
  crash: (point: string) => void,
): Promise<CompletionMarker> {
  const staged = join(dataDirectory, stagingDirectoryName, stagedDataName);
  for (const entry of commit.entries) {
    if (await exists(join(staged, entry))) await rename(join(staged, entry), join(dataDirectory, entry));
    crash('after-move');
  }
  await syncPath(dataDirectory);
  const { entries: _entries, ...identity } = commit;
  const marker: CompletionMarker = { ...identity, cuts, completedAt: new Date(clock.nowMs()).toISOString() };
  await writeDurably(join(dataDirectory, completionMarkerName), `${JSON.stringify(marker, null, 2)}\n`);
  crash('after-marker');
  await removeStaging(dataDirectory);
  return marker;
}

function sameRestore(found: RestoreIdentity, wanted: RestoreIdentity): boolean {
  return found.backupId === wanted.backupId && found.nodeId === wanted.nodeId && found.clusterSize === wanted.clusterSize;
}

function describe(identity: RestoreIdentity): string {
  return `backup ${identity.backupId} for node ${identity.nodeId} of ${identity.clusterSize}`;
}

async function readDocument<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

function notEmpty(dataDirectory: string, message: string): CutlineError {
  return new CutlineError('RESTORE_TARGET_NOT_EMPTY', message, {
    hint: `Restore into an empty directory (only lost+found may be there), or move the contents of ${dataDirectory} away first; restore never overwrites data.`,
  });
}

/**
 * Refuses, before anything is written, a target this process cannot write. Without this, a read-only
 * mount fails later in a recursive mkdir, which Node reports as ENOENT (it stats the path it could not
 * create) instead of EROFS.
 */
export async function checkWritable(dataDirectory: string): Promise<void> {
  await access(dataDirectory, constants.W_OK).catch((error: unknown) => Promise.reject(unwritable(dataDirectory, error)));
}

/** Whether a failure is the target refusing writes (anywhere in the cause chain). */
export function isUnwritable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return true;
  }
  return false;
}

export function unwritable(dataDirectory: string, cause: unknown): CutlineError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CutlineError('RESTORE_TARGET_UNWRITABLE', `cannot write the data directory ${dataDirectory}: ${detail}`, {
    cause,
    hint: 'Restore into a directory on a filesystem mounted read-write that this user may write to; the data directory was left as found.',
  });
}

/**
 * Refuses a restore that cannot fit before anything is downloaded: the staging tree holds every file of
 * the plan on the data directory's filesystem, and is moved (renamed), never copied, into place.
 */
export async function checkFreeSpace(
  dataDirectory: string,
  bytesNeeded: number,
  freeBytesOf: (path: string) => Promise<number> = freeBytes,
): Promise<void> {
  const free = await freeBytesOf(dataDirectory);
  if (free >= bytesNeeded) return;
  throw new CutlineError(
    'RESTORE_TARGET_SPACE',
    `the restore writes ${bytesNeeded} bytes into ${dataDirectory}, but its filesystem has ${free} bytes free`,
    {
      hint: 'Free space there, or restore into a directory on a larger filesystem; nothing was written.',
    },
  );
}

/** Bytes an unprivileged process may still write on the filesystem holding `path`. */
async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}
