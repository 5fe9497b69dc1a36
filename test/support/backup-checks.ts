// Checks on a backup as stored: every listed file's size and SHA-256, and the uploaded segments read back as a log.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import type { BackupStore } from '../../src/store/backup-store.js';
import { readBackupFileBytes } from '../../src/backup/backup-file.js';
import type { Manifest } from '../../src/backup/manifest.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { readU64, segmentFileName } from '../../src/log/segment-format.js';
import { decodeRecord, type EngineRecord } from '../../src/engine/records.js';

/** Downloads every file the manifest lists and checks its size and SHA-256; returns the bytes by path. */
export async function expectFilesMatch(store: BackupStore, manifest: Manifest): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const file of manifest.files) {
    const bytes = await readBackupFileBytes(store, manifest.id, file);
    expect(bytes.length, file.path).toBe(file.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex'), file.path).toBe(file.sha256);
    files.set(file.path, bytes);
  }
  return files;
}

/**
 * Writes the backup's segments into `directory` under their log file names (the segment id is in each
 * header) and returns every record of the log they form, decoded; the log reader checks CRCs and positions.
 */
export function segmentRecords(files: ReadonlyMap<string, Buffer>, directory: string): EngineRecord[] {
  fs.mkdirSync(directory, { recursive: true });
  for (const [filePath, bytes] of files) {
    if (!filePath.startsWith('segments/')) continue;
    fs.writeFileSync(path.join(directory, segmentFileName(readU64(bytes, 16))), bytes);
  }
  const log = SegmentedLog.open({ directory, readOnly: true });
  try {
    return [...log.read(log.firstPosition)].map(decodeRecord);
  } finally {
    log.close();
  }
}
