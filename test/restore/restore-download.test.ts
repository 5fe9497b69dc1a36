// Parallel ranged downloads: whatever order the ranges arrive in, the bytes on disk and the SHA-256 are the object's.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { FaultInjectingBackupStore } from '../support/fault-injecting-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { downloadFiles } from '../../src/restore/restore-download.js';
import { fileRanges } from '../../src/restore/file-download.js';
import { FileCheckPool } from '../../src/restore/file-check-pool.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const directory = temporaryDirectories('restore-download');

describe('downloadFiles', () => {
  it('splits large objects into ranges and small ones not at all', () => {
    expect(fileRanges(10, 16, 4)).toEqual([[0, 10]]);
    expect(fileRanges(0, 16, 4)).toEqual([[0, 0]]);
    expect(fileRanges(17, 16, 8)).toEqual([
      [0, 8],
      [8, 8],
      [16, 1],
    ]);
  });

  it('hashes the bytes in order however the ranges interleave (ranges of several writes each, random delays, two check threads)', async () => {
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
      const pool = new FileCheckPool(2);
      const hashes = new Map<string, string>();
      try {
        await downloadFiles({
          store: delayed,
          files,
          directory: target,
          parallelism: 6,
          random: new SeededRandom(seed),
          signal: new AbortController().signal,
          rangedGetBytesMin: 1024 * 1024,
          rangeBytes: 2 * 1024 * 1024 + 7,
          check: (file, path) => pool.check({ path, sizeBytes: file.sizeBytes, segment: undefined }),
          onFileDone: (file, result) => {
            hashes.set(file.key, result.sha256);
            return undefined;
          },
        });
      } finally {
        await pool.close();
      }
      for (const [index, bytes] of contents.entries()) expect((await readFile(join(target, `out/${index}.log`))).equals(bytes)).toBe(true);
      expect(Object.fromEntries(hashes)).toEqual(Object.fromEntries(files.map((file) => [file.key, file.sha256])));
    }
  });

  it('refuses a file whose bytes do not have the listed SHA-256, naming the object, and stops the other downloads', async () => {
    const store = new FileSystemBackupStore(await directory());
    const bytes = randomBytes(5 * 1024 * 1024);
    await store.put('contents/1/1/0/segments/1.log', bytes);
    await store.put('contents/1/1/0/segments/2.log', bytes);
    const wrong = createHash('sha256').update('something else').digest('hex');
    const files = [
      { key: 'contents/1/1/0/segments/1.log', sizeBytes: bytes.length, sha256: wrong, targetPath: 'out/1.log' },
      {
        key: 'contents/1/1/0/segments/2.log',
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        targetPath: 'out/2.log',
      },
    ];
    const pool = new FileCheckPool(1);
    const done: string[] = [];
    try {
      const download = downloadFiles({
        store,
        files,
        directory: await directory(),
        parallelism: 1,
        random: new SeededRandom(1),
        signal: new AbortController().signal,
        rangedGetBytesMin: 1024 * 1024,
        rangeBytes: 1024 * 1024,
        check: (file, path) => pool.check({ path, sizeBytes: file.sizeBytes, segment: undefined }),
        onFileDone: (file) => {
          done.push(file.key);
          return undefined;
        },
      });
      await expect(download).rejects.toMatchObject({
        code: 'RESTORE_CHECKSUM',
        message: expect.stringContaining(
          `contents/1/1/0/segments/1.log has SHA-256 ${createHash('sha256').update(bytes).digest('hex')}, but its manifest lists ${wrong}`,
        ) as unknown,
      });
    } finally {
      await pool.close();
    }
    expect(done).toEqual([]);
  });

  it('copies whole files from a store that has copyToFile (never get), and checks their size and SHA-256', async () => {
    const inner = new FileSystemBackupStore(await directory());
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    await inner.put('contents/1/1/0/segments/1.log', bytes);
    await inner.put('contents/1/1/0/segments/2.log', bytes.subarray(1));
    const copied: string[] = [];
    const store = {
      ...inner,
      description: inner.description,
      get: () => Promise.reject(new Error('get is not used when the store copies files')),
      copyToFile: (key: string, path: string) => {
        copied.push(key);
        return inner.copyToFile(key, path);
      },
    } as unknown as FileSystemBackupStore;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const pool = new FileCheckPool(1);
    const target = await directory();
    const request = {
      store,
      directory: target,
      parallelism: 2,
      random: new SeededRandom(1),
      signal: new AbortController().signal,
      rangedGetBytesMin: 1024 * 1024,
      rangeBytes: 1024 * 1024,
      check: (file: { sizeBytes: number }, path: string) => pool.check({ path, sizeBytes: file.sizeBytes, segment: undefined }),
    };
    try {
      await downloadFiles({
        ...request,
        files: [{ key: 'contents/1/1/0/segments/1.log', sizeBytes: bytes.length, sha256, targetPath: 'out/1.log' }],
      });
      expect((await readFile(join(target, 'out/1.log'))).equals(bytes)).toBe(true);
      expect(copied).toEqual(['contents/1/1/0/segments/1.log']);
      const short = downloadFiles({
        ...request,
        files: [{ key: 'contents/1/1/0/segments/2.log', sizeBytes: bytes.length, sha256, targetPath: 'out/2.log' }],
      });
      await expect(short).rejects.toMatchObject({
        code: 'RESTORE_CHECKSUM',
        message: expect.stringContaining(
          `contents/1/1/0/segments/2.log holds fewer bytes than the ${bytes.length} its manifest lists`,
        ) as unknown,
      });
    } finally {
      await pool.close();
    }
  });

  it('fails the download with the error a check thread reports', async () => {
    const store = new FileSystemBackupStore(await directory());
    const bytes = randomBytes(3 * 1024 * 1024);
    await store.put('contents/1/1/0/segments/1.log', bytes);
    const pool = new FileCheckPool(1);
    try {
      const download = downloadFiles({
        store: new FaultInjectingBackupStore(store, new SeededRandom(1), { delayMsMax: 20 }),
        files: [
          {
            key: 'contents/1/1/0/segments/1.log',
            sizeBytes: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            targetPath: 'out/1.log',
          },
        ],
        directory: await directory(),
        parallelism: 2,
        random: new SeededRandom(1),
        signal: new AbortController().signal,
        check: (file, path) => {
          const job = pool.check({ path, sizeBytes: file.sizeBytes, segment: undefined });
          // An advance past the file's size trips the thread's assertion; the job must fail with that error.
          job.advance(file.sizeBytes + 1);
          return job;
        },
      });
      await expect(download).rejects.toThrow(/bytes written of/);
    } finally {
      await pool.close();
    }
  });

  it('a check that fails after its download stopped awaiting it is dropped, not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    const pool = new FileCheckPool(1);
    try {
      // A failed copy whose file was removed (libuv's copyfile does that): the check finds no file.
      pool.check({ path: join(await directory(), 'removed'), sizeBytes: 10, segment: undefined });
      // The thread answers in order, so once a later check is answered the first one has failed.
      const empty = join(await directory(), 'empty');
      await writeFile(empty, '');
      await pool.check({ path: empty, sizeBytes: 0, segment: undefined }).result;
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await pool.close();
    }
  });
});
