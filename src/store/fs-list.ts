// Lists the objects of a FileSystemBackupStore in ascending key order, one directory at a time.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListEntry } from './backup-store.js';
import { CutlineError } from '../errors.js';

/**
 * Yields every file under root whose key starts with prefix, in byte order of the keys.
 * Names starting with '.' (temporary files, the metadata tree) are never objects.
 * Directories are sorted as `name/` so that `a-c` (0x2d) comes before `a/b` (0x2f), as S3 sorts.
 */
export async function* listDirectoryTree(root: string, prefix: string, signal?: AbortSignal): AsyncIterable<ListEntry> {
  const slash = prefix.lastIndexOf('/');
  const directoryKey = slash < 0 ? '' : prefix.slice(0, slash + 1);
  const namePrefix = prefix.slice(slash + 1);
  yield* walk(root, directoryKey, namePrefix, signal);
}

async function* walk(root: string, directoryKey: string, namePrefix: string, signal: AbortSignal | undefined): AsyncIterable<ListEntry> {
  signal?.throwIfAborted();
  const directory = join(root, ...directoryKey.split('/').filter((part) => part !== ''));
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new CutlineError(
      'STORE_UNAVAILABLE',
      `could not list ${directoryKey === '' ? 'the store root' : directoryKey}: ${(error as Error).message}`,
      { cause: error },
    );
  });
  const candidates = entries
    .filter((entry) => !entry.name.startsWith('.') && entry.name.startsWith(namePrefix) && (entry.isFile() || entry.isDirectory()))
    .map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory(), sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
    .sort((left, right) => (left.sortKey < right.sortKey ? -1 : left.sortKey > right.sortKey ? 1 : 0));
  for (const candidate of candidates) {
    const key = `${directoryKey}${candidate.name}`;
    if (candidate.isDirectory) {
      yield* walk(root, `${key}/`, '', signal);
    } else {
      const stats = await stat(join(directory, candidate.name)).catch(() => undefined);
      // A file deleted between readdir and stat is simply no longer listed. No version: an object
      // rewritten by rename may get the inode just freed, and the same mtime within the clock's tick.
      if (stats !== undefined) yield { key, sizeBytes: stats.size };
    }
  }
}
