// verify-backup: picks the backup ids to verify and runs the checks of the level on each, collecting every finding.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestsPrefix, parseManifestKey } from '../backup/backup-layout.js';
import { isChunked } from '../backup/manifest.js';
import { findOrphans } from '../engine/consistency.js';
import type { LogRecord } from '../log/log.js';
import type { SegmentedLog } from '../log/segmented-log.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { getBytes, listAll } from '../store/backup-store.js';
import {
  checkNames,
  checkOf,
  checksOf,
  skipKey,
  type BackupVerification,
  type CheckName,
  type Finding,
  type VerifyLevel,
  type VerifyReport,
} from './findings.js';
import { checkFiles, forEachBounded, type DownloadedFile } from './file-checks.js';
import { ChunkChecks, checkChunkedFiles } from './chunk-checks.js';
import { verifyPartitionParallelism } from '../limits.js';
import { checkCheckpointRecord, checkLog, decodedRecordsToCut } from './log-checks.js';
import { checkManifests, type PartitionBackup } from './manifest-checks.js';
import { checkSnapshot } from './snapshot-check.js';
import { checkCommandIndexes } from './command-index-check.js';

export type BackupSelection = { readonly backupId: number } | 'latest' | 'all';

export interface VerifyOptions extends StoreCallOptions {
  readonly level: VerifyLevel;
  /** Where the full level downloads a backup (a fresh directory inside it, removed afterwards); the OS default otherwise. */
  readonly temporaryDirectory?: string;
}

/** Verifies the selected backups; store failures reject, everything wrong with a backup is a finding. */
export async function verifyBackups(store: BackupStore, selection: BackupSelection, options: VerifyOptions): Promise<VerifyReport> {
  const ids = await selectBackupIds(store, selection, options);
  const findings: Finding[] = [];
  if (ids.length === 0) {
    const what =
      selection === 'latest' ? 'no finished backup (every backup id has a partition IN_PROGRESS, or there is none)' : 'no backup';
    findings.push({ code: 'BACKUP_NOT_FOUND', backupId: 0, message: `${store.description} holds ${what} to verify` });
  }
  const backups: BackupVerification[] = [];
  // One run: a chunk several backups share is listed and checked once.
  const chunks = new ChunkChecks(store, options);
  for (const backupId of ids) backups.push(await verifyBackup(store, backupId, options, chunks));
  return { store: store.description, level: options.level, backups, findings };
}

/** Runs every check of the level on one backup id; `chunks` carries what a run already knows of format v2 chunks. */
export async function verifyBackup(
  store: BackupStore,
  backupId: number,
  options: VerifyOptions,
  chunks = new ChunkChecks(store, options),
): Promise<BackupVerification> {
  const checks = checksOf(options.level);
  const manifests = await checkManifests(store, backupId, options);
  const findings = [...manifests.findings];
  const skipped = new Set<string>();
  for (const partitionId of manifests.partitionIds) {
    if (!manifests.partitions.has(partitionId))
      for (const check of checks.filter((name) => name !== 'manifest')) skipped.add(skipKey(partitionId, check));
  }
  const full = options.level === 'full';
  const directory = full ? await mkdtemp(join(options.temporaryDirectory ?? tmpdir(), 'cutline-verify-')) : undefined;
  const logs = new Map<number, SegmentedLog>();
  try {
    // Partitions are checked side by side: one partition's downloads overlap another's CPU-bound log checks.
    await forEachBounded([...manifests.partitions.values()], verifyPartitionParallelism, async (backup) => {
      const partitionId = backup.id.partitionId;
      const download = directory === undefined ? undefined : join(directory, String(partitionId), 'files');
      const files = isChunked(backup.manifest)
        ? await checkChunkedFiles(chunks, backup, options.level, download)
        : await checkFiles(store, backup, options.level, download, options);
      findings.push(...files.findings);
      if (directory === undefined) return;
      const log = await checkFullPartition(backup, files.downloaded, join(directory, String(partitionId), 'log'), findings, skipped);
      if (log !== undefined) logs.set(partitionId, log);
    });
    if (full) findings.push(...checkConsistency(backupId, manifests.partitions, manifests.partitionIds, logs, skipped));
  } finally {
    for (const log of logs.values()) log.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  }
  return { backupId, partitionIds: manifests.partitionIds, checks, skipped: [...skipped], findings: sortFindings(findings) };
}

async function checkFullPartition(
  backup: PartitionBackup,
  downloaded: readonly DownloadedFile[],
  logDirectory: string,
  findings: Finding[],
  skipped: Set<string>,
): Promise<SegmentedLog | undefined> {
  const segments = downloaded.filter((file) => file.file.path.startsWith('segments/'));
  // Before checkLog, which moves the downloaded segments into its log directory.
  const indexFindings = await checkCommandIndexes(backup, downloaded);
  const log = await checkLog(backup, segments, logDirectory);
  findings.push(...log.findings);
  if (log.log === undefined) skipped.add(skipKey(backup.id.partitionId, 'checkpoint-record'));
  else findings.push(...checkCheckpointRecord(backup, log.log));
  findings.push(...checkSnapshot(backup, downloaded));
  findings.push(...indexFindings);
  return log.log;
}

/**
 * The restore's cross-partition check over the backed-up logs, each cut at its manifest's checkpoint
 * position; reading the records for it also checks that each decodes (RECORD_MALFORMED).
 */
function checkConsistency(
  backupId: number,
  partitions: ReadonlyMap<number, PartitionBackup>,
  partitionIds: readonly number[],
  logs: ReadonlyMap<number, SegmentedLog>,
  skipped: Set<string>,
): Finding[] {
  const findings: Finding[] = [];
  const records = (partitionId: number, log: SegmentedLog): Iterable<LogRecord> => ({
    [Symbol.iterator]: () => decodedRecordsToCut(partitions.get(partitionId) as PartitionBackup, log, findings),
  });
  // Without every partition's log a cut is incomplete: any command from the missing partition would look orphaned.
  if (partitionIds.some((partitionId) => !logs.has(partitionId))) {
    for (const partitionId of partitionIds) skipped.add(skipKey(partitionId, 'consistency'));
    for (const [partitionId, log] of logs) for (const _record of records(partitionId, log));
    return findings;
  }
  const cuts = partitionIds.map((partitionId) => {
    const log = logs.get(partitionId) as SegmentedLog;
    const cutPosition = (partitions.get(partitionId) as PartitionBackup).manifest.descriptor.checkpointPosition;
    // Lazy, so only one partition's records are in memory at a time.
    return { partitionId, cutPosition, records: records(partitionId, log) };
  });
  const orphans = findOrphans(cuts).map((orphan): Finding => ({
    code: 'ORPHAN_COMMAND',
    backupId,
    partitionId: orphan.receiverPartitionId,
    message: orphan.message,
  }));
  return [...findings, ...orphans];
}

async function selectBackupIds(store: BackupStore, selection: BackupSelection, options: StoreCallOptions): Promise<number[]> {
  if (typeof selection === 'object') return [selection.backupId];
  // One listing of every manifest key (not one per backup id: that grew with the square of the backups).
  const keysById = new Map<number, string[]>();
  for (const entry of await listAll(store, manifestsPrefix, options)) {
    const id = parseManifestKey(entry.key);
    if (id !== undefined) keysById.set(id.checkpointId, [...(keysById.get(id.checkpointId) ?? []), entry.key]);
  }
  const chosen: number[] = [];
  for (const backupId of [...keysById.keys()].sort((left, right) => right - left)) {
    const statuses = await manifestStatuses(store, keysById.get(backupId) ?? [], options);
    // A backup still being taken is not a backup yet, and one deleted everywhere is gone on purpose.
    if (statuses.includes('IN_PROGRESS') || statuses.every((status) => status === 'DELETED')) continue;
    chosen.unshift(backupId);
    if (selection === 'latest') break;
  }
  return chosen;
}

/** The status field of each manifest, or undefined for one that does not parse (still verified, and reported). */
async function manifestStatuses(store: BackupStore, keys: readonly string[], options: StoreCallOptions): Promise<(string | undefined)[]> {
  const statuses: (string | undefined)[] = [];
  for (const key of keys) {
    try {
      const status = (JSON.parse(Buffer.from(await getBytes(store, key, options)).toString('utf8')) as { status?: unknown }).status;
      statuses.push(typeof status === 'string' ? status : undefined);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      statuses.push(undefined);
    }
  }
  return statuses;
}

const checkOrder = new Map<CheckName, number>(checkNames.map((name, index) => [name, index]));

/** Findings in a stable order (files are checked in parallel): backup, partition, check, path, code. */
function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (left, right) =>
      left.backupId - right.backupId ||
      (left.partitionId ?? 0) - (right.partitionId ?? 0) ||
      (checkOrder.get(checkOf(left.code)) ?? 0) - (checkOrder.get(checkOf(right.code)) ?? 0) ||
      (left.path ?? '').localeCompare(right.path ?? '') ||
      left.code.localeCompare(right.code),
  );
}
