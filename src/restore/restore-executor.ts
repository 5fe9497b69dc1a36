// The restore executor: carries out a plan in a staging directory inside the target, then commits it into place.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CutlineError, isCutlineError } from '../errors.js';
import { assert } from '../assert.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { BackupStore } from '../store/backup-store.js';
import { ensureEngineDescriptor, engineDescriptorFile } from '../engine/data-directory.js';
import { restoreParallelismMax } from '../limits.js';
import { plannedFiles, type PartitionPlan, type RestorePlan } from './restore-plan.js';
import { incomingCommandsPath, isSegmentFile, stagingDirectoryName } from './restore-layout.js';
import { downloadFiles, type DownloadProgress } from './restore-download.js';
import type { RestoredPartition } from './restore-partition.js';
import {
  checkRestoredLog,
  partitionConsistency,
  restoredSegments,
  segmentCheckContext,
  withCommandIndexes,
  type ConsistencyReport,
} from './restore-consistency.js';
import { FileCheckPool } from './file-check-pool.js';
import type { SegmentCheck } from './segment-check.js';
import { syncPath } from './durable-fs.js';
import { listingDigest, listTree, planDigest, provesStaging, type KnownSha256, type StagedFile } from './staging-proof.js';
import { segmentFileName } from '../log/segment-format.js';
import {
  checkFreeSpace,
  checkWritable,
  completeRestore,
  discardUnprovenStaging,
  inspectTarget,
  isUnwritable,
  unwritable,
  removeStaging,
  restoreIdentity,
  restoreTargetAsFound,
  stagedDataName,
  writeCommitRecord,
  type CommitRecord,
  type CompletionMarker,
} from './restore-target.js';

/** The top-level entries of the staged data, moved into the target in this order. */
const stagedEntries: readonly string[] = [engineDescriptorFile, 'partitions'];

/** Named moments of a restore where a test simulates a kill (by throwing from crashPoint). */
export type RestoreCrashPoint = 'after-download' | 'after-commit-record' | 'after-move' | 'after-marker';

export interface RestoreRequest {
  readonly plan: RestorePlan;
  readonly store: BackupStore;
  readonly dataDirectory: string;
  readonly parallelism: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Overrides of the ranged-GET limits (tests use small ones to exercise ranges on small files). */
  readonly rangedGetBytesMin?: number;
  readonly rangeBytes?: number;
  readonly crashPoint?: (point: RestoreCrashPoint) => void;
  /** Worker threads that hash and check files (default: one per core, see file-check-pool.ts). */
  readonly checkThreads?: number;
  /**
   * A pool of check threads the caller owns (and closes), for a process that restores many times in a
   * row (the backup fuzzer): starting threads costs more than restoring a small backup. Absent, the
   * restore starts its own pool of checkThreads threads and closes it when it ends.
   */
  readonly checkPool?: FileCheckPool;
  /** The free bytes of the filesystem holding a path (default: statfs; tests fake a full disk). */
  readonly freeBytesOf?: (path: string) => Promise<number>;
}

export interface RestoreResult {
  /** 'restored' by this run, or found 'already-restored' by an earlier run (nothing was changed). */
  readonly status: 'restored' | 'already-restored';
  readonly marker: CompletionMarker;
  readonly partitions: readonly RestoredPartition[];
  readonly consistency: ConsistencyReport | undefined;
  readonly filesDownloaded: number;
  readonly bytesDownloaded: number;
  readonly durationMs: number;
}

/**
 * Steps: inspect the target (refuse one that is not empty; remove a stale staging area; finish a
 * restore found past its commit point; recognise a completed one), download every file into
 * `{target}/.cutline-restore-staging/data/` (checked, fsynced), check and truncate each partition's
 * log, check cross-partition consistency, write the commit record, move the data into place, write
 * the completion marker, remove staging. Any failure before the commit record leaves the target as found.
 */
export async function executeRestore(request: RestoreRequest): Promise<RestoreResult> {
  const { plan, dataDirectory } = request;
  const startedMs = request.clock.nowMs();
  if (!Number.isSafeInteger(request.parallelism) || request.parallelism < 1 || request.parallelism > restoreParallelismMax) {
    throw new CutlineError(
      'USAGE',
      `--parallelism must be an integer from 1 to ${restoreParallelismMax}, got ${String(request.parallelism)}`,
    );
  }
  const inspected = await inspectTarget(dataDirectory, plan);
  const done = (status: RestoreResult['status'], marker: CompletionMarker, rest: Partial<RestoreResult> = {}): RestoreResult => ({
    status,
    marker,
    partitions: [],
    consistency: undefined,
    filesDownloaded: 0,
    bytesDownloaded: 0,
    ...rest,
    durationMs: request.clock.nowMs() - startedMs,
  });
  if (inspected.kind === 'completed') {
    // A run killed after the marker but before removing staging leaves it behind: finish that too.
    await removeStaging(dataDirectory);
    return done('already-restored', inspected.marker);
  }
  // A commit record this restore cannot prove (another plan's, or data missing or added since) is not
  // trusted: its staging is discarded and the restore starts over.
  const unproven = inspected.kind === 'committed' && !(await provesStaging(dataDirectory, inspected.commit, plan, stagedEntries));
  const state = unproven ? await discardUnprovenStaging(dataDirectory, inspected.commit) : inspected;
  if (state.kind === 'committed') {
    const marker = await completeRestore(dataDirectory, state.commit, cutsOf(plan), request.clock, crashIn(request)).catch(
      (error: unknown) => {
        throw isOutOfSpace(error) ? outOfSpace(dataDirectory, plan.totalBytes, true, error) : error;
      },
    );
    return done('restored', marker);
  }
  if (state.staleStaging) await removeStaging(dataDirectory);
  let committed = false;
  try {
    await checkWritable(dataDirectory);
    await checkFreeSpace(dataDirectory, plan.totalBytes, request.freeBytesOf);
    const { dataSha256, ...staged } = await stage(request);
    const commit: CommitRecord = { ...restoreIdentity(plan), entries: stagedEntries, planSha256: planDigest(plan), dataSha256 };
    await writeCommitRecord(dataDirectory, commit);
    committed = true;
    request.crashPoint?.('after-commit-record');
    const marker = await completeRestore(dataDirectory, commit, cutsOf(plan), request.clock, crashIn(request));
    return done('restored', marker, { ...staged, filesDownloaded: plan.totalFiles, bytesDownloaded: plan.totalBytes });
  } catch (error) {
    // Before the commit record, nothing outside staging changed: put the target back as found.
    // After it, the staged data is complete and checked: a re-run finishes moving it into place.
    if (!committed) await restoreTargetAsFound(dataDirectory, state.created).catch(() => undefined);
    if (request.signal?.aborted === true && !committed) throw aborted(request.signal, dataDirectory);
    if (isOutOfSpace(error)) throw outOfSpace(dataDirectory, plan.totalBytes, committed, error);
    if (!committed && !isCutlineError(error) && isUnwritable(error)) throw unwritable(dataDirectory, error);
    throw error;
  }
}

/**
 * Downloads, checks and truncates everything inside the staging directory; nothing outside it changes.
 * Worker threads hash every file and check every segment as it is written (file-check-pool.ts). A
 * partition is finished (log checked, snapshot checked, segments placed, log truncated, consistency
 * checked) as soon as its last file is in, while the other partitions still download.
 */
async function stage(
  request: RestoreRequest,
): Promise<Pick<RestoreResult, 'partitions' | 'consistency'> & { readonly dataSha256: string }> {
  const { plan } = request;
  const stagedData = join(request.dataDirectory, stagingDirectoryName, stagedDataName);
  await mkdir(stagedData, { recursive: true });
  const partitionOfKey = new Map(
    plan.partitions.flatMap((partition) =>
      partition.backups.flatMap((backup) => backup.files.map((file) => [file.key, partition] as const)),
    ),
  );
  const filesLeft = new Map(
    plan.partitions.map((partition) => [
      partition.partitionId,
      partition.backups.reduce((count, backup) => count + backup.files.length, 0),
    ]),
  );
  const contexts = new Map(plan.partitions.map((partition) => [partition.partitionId, segmentCheckContext(plan, partition)]));
  const checks = new Map<string, SegmentCheck>();
  const partitions: RestoredPartition[] = [];
  const consistency = { commandsChecked: 0, commandsUnchecked: 0 };
  const pool = request.checkPool ?? new FileCheckPool(request.checkThreads);
  const finish = async (partition: PartitionPlan): Promise<void> => {
    const context = contexts.get(partition.partitionId);
    assert(context !== undefined, `partition ${partition.partitionId} has a check context`);
    const segments = restoredSegments(partition, checks);
    checkRestoredLog(partition, segments);
    partitions.push(await pool.finishPartition(stagedData, partition));
    const report = partitionConsistency(plan, withCommandIndexes(stagedData, context, segments));
    await rm(join(stagedData, incomingCommandsPath(partition.partitionId)), { recursive: true, force: true });
    consistency.commandsChecked += report.commandsChecked;
    consistency.commandsUnchecked += report.commandsUnchecked;
  };
  try {
    await downloadFiles({
      store: request.store,
      files: plannedFiles(plan),
      directory: stagedData,
      parallelism: request.parallelism,
      random: request.random,
      signal: request.signal ?? new AbortController().signal,
      check: (file, path) => {
        const partition = partitionOfKey.get(file.key);
        assert(partition !== undefined, `file ${file.key} belongs to a planned partition`);
        const context = isSegmentFile(partition.partitionId, file) ? contexts.get(partition.partitionId) : undefined;
        const segment = context === undefined ? undefined : { ...context, framesChecked: file.commandIndexPath !== undefined };
        return pool.check({ path, sizeBytes: file.sizeBytes, segment, writesChunks: file.chunks !== undefined });
      },
      onFileDone: (file, result) => {
        const partition = partitionOfKey.get(file.key);
        assert(partition !== undefined, `file ${file.key} belongs to a planned partition`);
        if (result.segment !== undefined) checks.set(file.key, result.segment);
        const left = (filesLeft.get(partition.partitionId) ?? 0) - 1;
        filesLeft.set(partition.partitionId, left);
        return left > 0 ? undefined : finish(partition);
      },
      ...optional({
        wait: request.wait,
        onProgress: request.onProgress,
        rangedGetBytesMin: request.rangedGetBytesMin,
        rangeBytes: request.rangeBytes,
      }),
    });
  } finally {
    if (request.checkPool === undefined) await pool.close();
  }
  assert(
    [...filesLeft.values()].every((left) => left === 0),
    'every partition was finished',
  );
  request.crashPoint?.('after-download');
  request.signal?.throwIfAborted();
  ensureEngineDescriptor(stagedData, plan.partitionCount);
  await syncPath(join(stagedData, engineDescriptorFile));
  await syncTree(dirname(stagedData));
  const listing: StagedFile[] = [];
  for (const entry of stagedEntries) await listTree(stagedData, entry, knownSha256(plan, checks), listing);
  return { partitions: partitions.sort((a, b) => a.partitionId - b.partitionId), consistency, dataSha256: listingDigest(listing) };
}

/**
 * The SHA-256s of staged files the restore checked as they were downloaded, so that the commit record's
 * listing reads only what finishing changed: snapshot files stay where they were downloaded, and a placed
 * segment with the size of a downloaded copy of its id holds that copy's bytes (copies of one id of a
 * stitched log extend each other). A segment cut shorter at the cut, and engine.json, are read again.
 */
function knownSha256(plan: RestorePlan, checks: ReadonlyMap<string, SegmentCheck>): KnownSha256 {
  const known = new Map<string, string>();
  for (const partition of plan.partitions) {
    for (const file of partition.backups.flatMap((backup) => backup.files)) {
      const segmentId = checks.get(file.key)?.segmentId;
      const path = isSegmentFile(partition.partitionId, file)
        ? segmentId === undefined
          ? undefined
          : `partitions/${partition.partitionId}/log/${segmentFileName(segmentId)}`
        : file.targetPath;
      if (path !== undefined) known.set(`${path}\0${file.sizeBytes}`, file.sha256);
    }
  }
  return (path, sizeBytes) => known.get(`${path}\0${sizeBytes}`);
}

/** fsync of every directory in a tree, deepest first, so every entry in it is durable (files were fsynced when written). */
async function syncTree(root: string): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory()) await syncTree(join(root, entry.name));
  }
  await syncPath(root);
}

function cutsOf(plan: RestorePlan): Record<string, number> {
  return Object.fromEntries(plan.partitions.map((partition) => [String(partition.partitionId), partition.cut.position]));
}

function crashIn(request: RestoreRequest): (point: string) => void {
  return (point) => request.crashPoint?.(point as RestoreCrashPoint);
}

function aborted(signal: AbortSignal, dataDirectory: string): CutlineError {
  const reason = signal.reason as unknown;
  if (isCutlineError(reason)) return reason;
  return new CutlineError('RESTORE_ABORTED', `the restore into ${dataDirectory} was interrupted; the data directory was left as found`, {
    cause: reason,
    hint: 'Run the same command again to restore.',
  });
}

/**
 * ENOSPC or EDQUOT anywhere in the cause chain (a store's copyToFile wraps its copy's error): the
 * target's filesystem filled up after the space check passed, say because another writer shares it.
 */
function isOutOfSpace(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

function outOfSpace(dataDirectory: string, bytesNeeded: number, committed: boolean, cause: unknown): CutlineError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const state = committed ? 'the restore is past its commit point' : 'the data directory was left as found';
  return new CutlineError(
    'RESTORE_TARGET_SPACE',
    `the filesystem of ${dataDirectory} ran out of space during the restore (${detail}); ${state}`,
    {
      cause,
      hint: committed
        ? 'Free space there, then run the same command again: it completes the restore.'
        : `Free space there (the restore writes ${bytesNeeded} bytes), or restore into a directory on a larger filesystem, then run the same command again.`,
    },
  );
}

function optional<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
