// Helpers shared by the log tests: temporary directories and deterministic records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { nodeLogFileSystem, type LogFileSystem } from '../../src/log/file-system.js';
import type { AppendRecord, LogRecord } from '../../src/log/log.js';

const directories: string[] = [];
const fileDirectories: string[] = [];

/** A fresh temporary directory, removed after the current test. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'cutline-log-'));
  directories.push(directory);
  return directory;
}

/** A fresh temporary directory kept for every test of the file (a template to copy), removed after them. */
export function fileTemporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'cutline-log-template-'));
  fileDirectories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

afterAll(() => {
  for (const directory of fileDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Record n (1-based) of a test log: its payload names it, so mix-ups show in diffs. */
export function testRecord(n: number, payloadBytes = 40): AppendRecord {
  const payload = Buffer.alloc(payloadBytes, n % 251);
  payload.write(`record-${n}`, 0, 'latin1');
  return { timestampMs: 1_700_000_000_000 + n, recordType: n % 7, payload: new Uint8Array(payload) };
}

export function testRecords(count: number, payloadBytes = 40): AppendRecord[] {
  return Array.from({ length: count }, (_, at) => testRecord(at + 1, payloadBytes));
}

/** A record as the log returns it, for comparison with toEqual. */
export function stored(record: AppendRecord, position: number): LogRecord {
  return { position, timestampMs: record.timestampMs, recordType: record.recordType, payload: record.payload };
}

export function storedAll(records: readonly AppendRecord[], firstPosition = 1): LogRecord[] {
  return records.map((record, at) => stored(record, firstPosition + at));
}

/** The path of segment n in a directory. */
export function segmentPath(directory: string, segmentId: number): string {
  return join(directory, `${String(segmentId).padStart(20, '0')}.log`);
}

/**
 * node:fs without fsync, for tests that check what is read back rather than what survives a power cut
 * (no test can observe an fsync); it keeps hundreds of reopen-and-truncate rounds fast on a shared disk.
 */
export const noSyncFileSystem: LogFileSystem = { ...nodeLogFileSystem, syncFile: () => undefined, syncDirectory: () => undefined };
