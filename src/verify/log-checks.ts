// The full log checks of one partition backup: frame CRCs, contiguous positions, coverage, and the checkpoint record.
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { isCutlineError } from '../errors.js';
import { SegmentedLog } from '../log/segmented-log.js';
import { decodeSegmentHeader, segmentFileName, segmentHeaderBytes, type SegmentHeader } from '../log/segment-format.js';
import { decodeRecord } from '../engine/records.js';
import type { ErrorCode } from '../error-codes.js';
import type { LogRecord } from '../log/log.js';
import type { Finding, FindingCode } from './findings.js';
import type { DownloadedFile } from './file-checks.js';
import type { PartitionBackup } from './manifest-checks.js';

export interface LogCheckResult {
  readonly findings: Finding[];
  /** The opened backed-up log when its records can be read from first to last; the caller closes it. */
  readonly log: SegmentedLog | undefined;
}

/**
 * Moves the downloaded segments into one log directory, named by the segment id in their headers (the
 * store's names are the manager's business; ids are reused after truncation), opens it read-only and
 * checks it: every frame's CRC, contiguous positions, the range the manifest claims, the record types.
 */
export async function checkLog(backup: PartitionBackup, segments: readonly DownloadedFile[], directory: string): Promise<LogCheckResult> {
  const { checkpointId: backupId, partitionId } = backup.id;
  const findings: Finding[] = [];
  const add = (code: FindingCode, message: string, path?: string): void => {
    findings.push(path === undefined ? { code, backupId, partitionId, message } : { code, backupId, partitionId, path, message });
  };
  await mkdir(directory, { recursive: true });
  const keyOf = new Map<string, string>();
  for (const segment of segments) {
    const header = await readHeader(segment.localPath);
    if (typeof header === 'string') {
      add('LOG_CORRUPT', `${segment.key}: ${header.split(segment.localPath).join(segment.key)}`, segment.key);
      continue;
    }
    // FORMAT.md: a segment object is named by the first position its header holds.
    const named = /^segments\/(\d{20})\.log$/.exec(segment.file.path)?.[1];
    if (named !== undefined && Number(named) !== header.firstPosition) {
      add(
        'LOG_POSITION',
        `${segment.key} is named for position ${Number(named)}, but its header says it starts at position ${header.firstPosition}`,
        segment.key,
      );
    }
    const name = segmentFileName(header.segmentId);
    if (keyOf.has(name)) {
      add('LOG_POSITION', `${segment.key} and ${String(keyOf.get(name))} both hold segment ${header.segmentId}`, segment.key);
      continue;
    }
    keyOf.set(name, segment.key);
    await rename(segment.localPath, join(directory, name));
  }
  if (keyOf.size === 0) {
    add('LOG_COVERAGE', `backup ${backupId} of partition ${partitionId} holds no readable log segment`);
    return { findings, log: undefined };
  }
  // Findings name the store key, not the temporary file the log library saw.
  const storeKeyOf = (message: string): string | undefined => [...keyOf.entries()].find(([name]) => message.includes(name))?.[1];
  let log: SegmentedLog;
  try {
    log = SegmentedLog.open({ directory, readOnly: true });
  } catch (error) {
    if (!isCutlineError(error)) throw error;
    add(logFindingCode(error.code), rewritePaths(error.message, directory, keyOf), storeKeyOf(error.message));
    return { findings, log: undefined };
  }
  const damage = log.verify();
  for (const finding of damage)
    add(logFindingCode(finding.code), rewritePaths(finding.message, directory, keyOf), storeKeyOf(finding.path));
  const torn = log.recovery.tornTail;
  if (torn !== undefined) {
    const key = storeKeyOf(torn.path);
    const message = `${key ?? 'the last segment'} ends at byte offset ${torn.offset} in bytes that are not a whole record (position ${torn.position}: ${torn.reason}); a backup copies only whole, durable records`;
    add('LOG_CORRUPT', message, key);
  }
  if (damage.length > 0 || torn !== undefined) {
    log.close();
    return { findings, log: undefined };
  }
  checkCoverage(backup, log, add);
  return { findings, log };
}

/** The record at checkpointPosition must be the CHECKPOINT_CREATE of the backup id (restore truncates right after it). */
export function checkCheckpointRecord(backup: PartitionBackup, log: SegmentedLog): Finding[] {
  const { checkpointId: backupId, partitionId } = backup.id;
  const position = backup.manifest.descriptor.checkpointPosition;
  const raw = log.get(position);
  const missing = (what: string): Finding[] => [
    {
      code: 'CHECKPOINT_RECORD_MISSING',
      backupId,
      partitionId,
      message: `partition ${partitionId}: the record at checkpointPosition ${position} ${what}, not the CHECKPOINT_CREATE of checkpoint ${backupId}`,
    },
  ];
  if (raw === undefined) return missing(`is not in the backed-up log [${log.firstPosition}, ${log.lastPosition}]`);
  const record = decodeRecord(raw);
  if (record.type !== 'CHECKPOINT_CREATE') return missing(`is a ${record.type}`);
  if (record.value.checkpointId !== backupId) return missing(`is the CHECKPOINT_CREATE of checkpoint ${record.value.checkpointId}`);
  return [];
}

function checkCoverage(backup: PartitionBackup, log: SegmentedLog, add: (code: FindingCode, message: string) => void): void {
  const d = backup.manifest.descriptor;
  const first = log.firstPosition;
  const last = log.lastPosition;
  if (first !== d.firstLogPosition || last !== d.lastLogPosition) {
    add(
      'LOG_COVERAGE',
      `the backed-up log holds positions [${first}, ${last}]; the manifest says [${d.firstLogPosition}, ${d.lastLogPosition}]`,
    );
  }
  if (first > d.snapshotProcessedPosition + 1) {
    add(
      'LOG_COVERAGE',
      `the backed-up log starts at ${first}, after the snapshot's position ${d.snapshotProcessedPosition} + 1: positions ${d.snapshotProcessedPosition + 1}..${first - 1} are missing`,
    );
  }
  if (last < d.checkpointPosition) {
    add(
      'LOG_COVERAGE',
      `the backed-up log ends at ${last}, before checkpointPosition ${d.checkpointPosition}: positions ${last + 1}..${d.checkpointPosition} are missing`,
    );
  }
}

/**
 * The backed-up records up to the checkpoint position, each decoded before it is yielded; a record that
 * does not decode is reported and ends the iteration. The consistency check reads the log through this,
 * so checking record types costs no read of its own.
 */
export function* decodedRecordsToCut(backup: PartitionBackup, log: SegmentedLog, findings: Finding[]): Generator<LogRecord> {
  const { checkpointId: backupId, partitionId } = backup.id;
  try {
    for (const raw of log.read(log.firstPosition)) {
      decodeRecord(raw);
      yield raw;
      if (raw.position >= backup.manifest.descriptor.checkpointPosition) return;
    }
  } catch (error) {
    if (!isCutlineError(error)) throw error;
    findings.push({ code: logFindingCode(error.code), backupId, partitionId, message: error.message });
  }
}

async function readHeader(path: string): Promise<SegmentHeader | string> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(segmentHeaderBytes);
    const { bytesRead } = await handle.read(bytes, 0, segmentHeaderBytes, 0);
    if (bytesRead < segmentHeaderBytes) return `the file is ${bytesRead} bytes, shorter than a segment header (${segmentHeaderBytes})`;
    return decodeSegmentHeader(bytes, path);
  } catch (error) {
    if (!isCutlineError(error)) throw error;
    return error.message;
  } finally {
    await handle.close();
  }
}

function logFindingCode(code: ErrorCode): FindingCode {
  if (code === 'LOG_POSITION') return 'LOG_POSITION';
  if (code === 'RECORD_MALFORMED') return 'RECORD_MALFORMED';
  return 'LOG_CORRUPT';
}

function rewritePaths(message: string, directory: string, keyOf: ReadonlyMap<string, string>): string {
  let result = message;
  for (const [name, key] of keyOf) {
    const full = join(directory, name);
    result = result.includes(full) ? result.split(full).join(key) : result.split(name).join(key);
  }
  return result;
}
