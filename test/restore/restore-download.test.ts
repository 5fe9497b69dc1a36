// Parallel ranged downloads: whatever order the ranges arrive in, the bytes on disk and the SHA-256 are the object's.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { FaultInjectingBackupStore } from '../../src/store/fault-injecting-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { downloadFiles } from '../../src/restore/restore-download.js';
import { fileRanges } from '../../src/restore/file-download.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const directory = temporaryDirectories('restore-download');

describe('downloadFiles', () => {
  it('splits large objects into ranges and small ones not at all', () => {
    expect(fileRanges(10, 16, 4)).toEqual([[0, 10]]);
    expect(fileRanges(0, 16, 4)).toEqual([[0, 0]]);
    expect(fileRanges(17, 16, 8)).toEqual([[0, 8], [8, 8], [16, 1]]);
  });

  it('hashes ranges in order however their downloads interleave (ranges of several writes each, random delays)', async () => {
    const store = new FileSystemBackupStore(await directory());
    const contents = [randomBytes(7 * 1024 * 1024 + 123), randomBytes(3 * 1024 * 1024), randomBytes(0), randomBytes(1000)];
    for (const [index, bytes] of contents.entries()) await store.put(`contents/1/1/0/segments/${index}.log`, bytes);
    const files = contents.map((bytes, index) => ({
      key: `contents/1/1/0/segments/${index}.log`,
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      targetPath: `out/${index}.log`,
    }));
    for (const seed of [1, 2, 3, 4]) {
      const target = await directory();
      const delayed = new FaultInjectingBackupStore(store, new SeededRandom(seed), { delayMsMax: 25 });
      await downloadFiles({ store: delayed, files, directory: target, parallelism: 6, random: new SeededRandom(seed), signal: new AbortController().signal, rangedGetBytesMin: 1024 * 1024, rangeBytes: 2 * 1024 * 1024 + 7 });
      for (const [index, bytes] of contents.entries()) expect((await readFile(join(target, `out/${index}.log`))).equals(bytes)).toBe(true);
    }
  });
});
