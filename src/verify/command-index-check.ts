// verify-backup's check of format v3 command indexes: each recomputed from its segment's records and compared byte for byte.
import { open } from 'node:fs/promises';
import {
  commandIndexEntryBytes,
  commandIndexHeaderBytes,
  commandIndexPath,
  CommandIndexBuilder,
  commandIndexEntryOf,
  readCommandIndex,
} from '../backup/command-index.js';
import { hasCommandIndexes } from '../backup/manifest.js';
import { isCutlineError } from '../errors.js';
import { SegmentStreamScanner } from '../log/segment-stream-scan.js';
import type { DownloadedFile } from './file-checks.js';
import type { Finding } from './findings.js';
import type { PartitionBackup } from './manifest-checks.js';

const readBytes = 1024 * 1024;

/**
 * For every segment of a v3 backup whose file and index were downloaded sound: COMMAND_INDEX_INVALID for
 * an index restore would refuse, COMMAND_INDEX_MISMATCH for one that differs from the index recomputed from
 * the segment's frames. A segment whose frames are damaged is left to the log check's findings.
 */
export async function checkCommandIndexes(backup: PartitionBackup, downloaded: readonly DownloadedFile[]): Promise<Finding[]> {
  if (!hasCommandIndexes(backup.manifest)) return [];
  const byPath = new Map(downloaded.map((file) => [file.file.path, file]));
  const findings: Finding[] = [];
  for (const segment of downloaded) {
    if (!segment.file.path.startsWith('segments/')) continue;
    const index = byPath.get(commandIndexPath(segment.file.path));
    if (index === undefined) continue;
    const finding = await checkOne(backup, segment, index);
    if (finding !== undefined) findings.push(finding);
  }
  return findings;
}

async function checkOne(backup: PartitionBackup, segment: DownloadedFile, index: DownloadedFile): Promise<Finding | undefined> {
  const recomputed = await recompute(segment.localPath);
  if (recomputed === undefined) return undefined;
  const where = { backupId: backup.id.checkpointId, partitionId: backup.id.partitionId, path: index.key };
  const bytes = await readWhole(index.localPath);
  try {
    readCommandIndex(bytes, index.key, recomputed.range);
  } catch (error) {
    if (!isCutlineError(error)) throw error;
    return { code: 'COMMAND_INDEX_INVALID', ...where, message: error.message };
  }
  if (bytes.equals(recomputed.index)) return undefined;
  return { code: 'COMMAND_INDEX_MISMATCH', ...where, message: mismatchMessage(index.key, bytes, recomputed.index) };
}

/** The index the segment's frames make, or undefined when the frames are damaged (the log check reports that). */
async function recompute(path: string): Promise<{ index: Buffer; range: { firstPosition: number; lastPosition: number } } | undefined> {
  const builder = new CommandIndexBuilder();
  let malformed = false;
  const scanner = new SegmentStreamScanner(path, ({ header, payload }) => {
    try {
      const entry = commandIndexEntryOf({
        position: header.position,
        timestampMs: header.timestampMs,
        recordType: header.recordType,
        payload,
      });
      if (entry !== undefined) builder.add(entry);
    } catch (error) {
      if (!isCutlineError(error)) throw error;
      malformed = true;
    }
  });
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(readBytes);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, readBytes, null);
      if (bytesRead === 0) break;
      scanner.push(buffer.subarray(0, bytesRead));
    }
  } catch (error) {
    if (isCutlineError(error)) return undefined;
    throw error;
  } finally {
    await handle.close();
  }
  const summary = scanner.finish();
  if (summary.damage !== undefined || malformed) return undefined;
  return { index: builder.file(), range: { firstPosition: summary.header.firstPosition, lastPosition: summary.lastPosition } };
}

function mismatchMessage(key: string, stored: Buffer, expected: Buffer): string {
  const entries = (bytes: Buffer): number => (bytes.length - commandIndexHeaderBytes) / commandIndexEntryBytes;
  let entry = 0;
  while (
    entry < Math.min(entries(stored), entries(expected)) &&
    stored
      .subarray(commandIndexHeaderBytes + entry * commandIndexEntryBytes, commandIndexHeaderBytes + (entry + 1) * commandIndexEntryBytes)
      .equals(
        expected.subarray(
          commandIndexHeaderBytes + entry * commandIndexEntryBytes,
          commandIndexHeaderBytes + (entry + 1) * commandIndexEntryBytes,
        ),
      )
  )
    entry += 1;
  const position = (bytes: Buffer): string =>
    entry < entries(bytes)
      ? `position ${Number(bytes.readBigUInt64LE(commandIndexHeaderBytes + entry * commandIndexEntryBytes))}`
      : 'nothing';
  return `command index ${key} disagrees with its segment's records from entry ${entry} on: it lists ${position(stored)} where the records make ${position(expected)} (${entries(stored)} entries stored, ${entries(expected)} recomputed)`;
}

async function readWhole(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
