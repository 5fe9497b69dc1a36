// The restore's file-check threads: a closed pool leaves no file open, and its threads serve the next pool.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeChunk, type StoredChunkRef } from '../../src/backup/chunk-format.js';
import { FileCheckPool } from '../../src/restore/file-check-pool.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const directory = temporaryDirectories('file-check-pool');

/** The files this process (its threads included) holds open, from /proc (Linux). */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed while listing (the listing's own descriptor)
    }
  });
}

describe.runIf(process.platform === 'linux')('FileCheckPool', () => {
  it('closes the files of unfinished checks when it closes, and its threads check files for the next pool', async () => {
    const root = await directory();
    const bytes = Buffer.alloc(4096, 7);
    const paths = [join(root, 'a.log'), join(root, 'b.log')];
    for (const path of paths) await writeFile(path, bytes);
    for (const round of [1, 2, 3]) {
      const pool = new FileCheckPool(2);
      const unfinished = pool.check({ path: paths[0] as string, sizeBytes: bytes.length, segment: undefined });
      unfinished.advance(100);
      const whole = pool.check({ path: paths[1] as string, sizeBytes: bytes.length, segment: undefined });
      whole.advance(bytes.length);
      expect((await whole.result).sha256, `round ${round}`).toBe(createHash('sha256').update(bytes).digest('hex'));
      await pool.close();
      expect(
        openFiles().filter((file) => file.startsWith(root)),
        `round ${round}`,
      ).toEqual([]);
    }
  });

  it('decodes and writes chunks sent in any order on any thread, and hashes the file they make', async () => {
    const root = await directory();
    const pieces = [0, 1, 2, 3, 4, 5].map((index) => Buffer.alloc(300_000 + index * 1000, `piece ${index} `));
    const offsets = pieces.map((_, index) => pieces.slice(0, index).reduce((sum, piece) => sum + piece.length, 0));
    const sizeBytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const whole = Buffer.concat(pieces);
    const pool = new FileCheckPool(2);
    try {
      for (const order of [
        [0, 1, 2, 3, 4, 5],
        [5, 3, 1, 0, 2, 4],
        [2, 1, 0, 5, 4, 3],
      ]) {
        const path = join(root, `${order.join('')}.log`);
        await writeFile(path, '');
        const job = pool.check({ path, sizeBytes, segment: undefined, writesChunks: true });
        const written = new Set<number>();
        // Two chunks in flight at a time, as a restore's downloads send them.
        for (let next = 0; next < order.length; next += 2) {
          await Promise.all(
            order.slice(next, next + 2).map(async (index) => {
              const { stored, ref } = await storedChunk(pieces[index] as Buffer);
              await job.writeChunk(stored, offsets[index] as number, ref, `piece ${index}`);
              written.add(index);
            }),
          );
          let prefix = 0;
          while (written.has(prefix)) prefix += 1;
          job.advance(prefix === pieces.length ? sizeBytes : (offsets[prefix] as number));
        }
        expect((await job.result).sha256, order.join()).toBe(createHash('sha256').update(whole).digest('hex'));
        expect((await readFile(path)).equals(whole), order.join()).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('refuses a chunk that decompresses to more than its manifest says, and fails its file', async () => {
    const root = await directory();
    const path = join(root, 'bomb.log');
    await writeFile(path, '');
    const pool = new FileCheckPool(1);
    try {
      const { stored, ref } = await storedChunk(Buffer.alloc(1_000_000));
      // The header and the manifest agree on 1000 bytes; the payload holds a million zeros.
      stored.writeUInt32LE(1000, 8);
      const job = pool.check({ path, sizeBytes: 1000, segment: undefined, writesChunks: true });
      await expect(job.writeChunk(stored, 0, { ...ref, sizeBytes: 1000 }, 'the bomb')).rejects.toMatchObject({
        code: 'CHUNK_CORRUPT',
        message: expect.stringContaining('decompresses to more than the 1000 bytes') as string,
      });
      await expect(job.result).rejects.toMatchObject({ code: 'CHUNK_CORRUPT' });
    } finally {
      await pool.close();
    }
  });

  it('reports a full disk while a thread writes a chunk with the error code the restore maps to RESTORE_TARGET_SPACE', async () => {
    const pool = new FileCheckPool(1);
    try {
      const { stored, ref } = await storedChunk(Buffer.alloc(65536, 1));
      // /dev/full fails every write with ENOSPC: the disk filling up under the restore.
      const job = pool.check({ path: '/dev/full', sizeBytes: 65536, segment: undefined, writesChunks: true });
      await expect(job.writeChunk(stored, 0, ref, 'a chunk')).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      await pool.close();
    }
  });
});

async function storedChunk(raw: Buffer): Promise<{ stored: Buffer; ref: StoredChunkRef }> {
  const { bytes, codec } = await encodeChunk(raw, 'gzip');
  return {
    stored: bytes,
    ref: { sha256: createHash('sha256').update(raw).digest('hex'), sizeBytes: raw.length, storedBytes: bytes.length, codec },
  };
}
