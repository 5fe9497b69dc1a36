// The restore's file-check threads: a closed pool leaves no file open, and its threads serve the next pool.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
      expect(openFiles().filter((file) => file.startsWith(root)), `round ${round}`).toEqual([]);
    }
  });
});
