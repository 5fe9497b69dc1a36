// Small durable file operations for restore: fsync of files and directories, and write-then-rename of small documents.
import { open, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync of a file, or of a directory (so creations, renames and deletions in it are durable). */
export async function syncPath(path: string): Promise<void> {
  // Windows cannot open a directory for fsync; its file system orders metadata itself.
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a small document durably: `.{name}.tmp` in the same directory, fsync, rename, fsync the directory. */
export async function writeDurably(path: string, contents: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(temporary, contents);
  await syncPath(temporary);
  await rename(temporary, path);
  await syncPath(dirname(path));
}
