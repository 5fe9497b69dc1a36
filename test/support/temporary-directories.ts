// Fresh temporary directories for a test file, all removed after its last test.
import { afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Returns a function that makes a new empty directory; call it at the top level of a test file. */
export function temporaryDirectories(label: string): () => Promise<string> {
  const directories: string[] = [];
  afterAll(async () => {
    await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
  });
  return async () => {
    const directory = await mkdtemp(join(tmpdir(), `cutline-${label}-`));
    directories.push(directory);
    return directory;
  };
}
