// restore on the fixtures: the golden backup restores, and every broken fixture is refused with the target left exactly as found.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectory } from '../../fixtures/generate.js';
import { brokenFixtures } from '../../fixtures/broken-fixtures.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { brokenCopy, runCli } from './verify-support.js';

const newDirectory = temporaryDirectories('verify-restore');

/** The error code restore stops with on each broken fixture. */
const restoreCodes: Readonly<Record<string, string>> = {
  'flipped-bit-segment': 'LOG_CORRUPT',
  'truncated-segment': 'RESTORE_CHECKSUM',
  'missing-partition': 'RESTORE_PARTITION_MISSING',
  'missing-file': 'STORE_NOT_FOUND',
  'wrong-checksum': 'RESTORE_CHECKSUM',
  'schema-violation': 'MANIFEST_INVALID',
  'unknown-format-version': 'MANIFEST_VERSION',
  'partition-count-mismatch': 'RESTORE_PARTITION_COUNT',
  'checkpoint-record-missing': 'RESTORE_CHECKPOINT_RECORD',
  'orphan-command': 'RESTORE_INCONSISTENT',
  'snapshot-corrupt': 'SNAPSHOT_CORRUPT',
  'foreign-state-db': 'SNAPSHOT_CORRUPT',
  'malformed-record': 'RECORD_MALFORMED',
  'snapshot-position-mismatch': 'RESTORE_LAYOUT',
  'snapshot-files-without-snapshot': 'RESTORE_LAYOUT',
  'engine-version-unsupported': 'RESTORE_ENGINE_VERSION',
  'snapshot-metadata-position': 'RESTORE_LAYOUT',
  'snapshot-checksums-empty': 'SNAPSHOT_CORRUPT',
  'path-traversal': 'MANIFEST_INVALID',
  'duplicate-partition': 'PARTITION_DUPLICATE',
};

/** Fixtures restore does not refuse yet, each with the reason. None today: restore refuses them all. */
const knownGaps: Readonly<Record<string, string>> = {};

/** Every file and directory under root (hidden ones included) with a hash of each file's bytes. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      const what = entry.isFile() ? createHash('sha256').update(await readFile(path)).digest('hex') : entry.isDirectory() ? 'dir' : 'other';
      return `${path.slice(root.length)} ${what}`;
    }),
  ).then((lines) => lines.sort());
}

describe('restore on the fixtures', () => {
  it('restores the golden backup (so the refusals below are about what each fixture breaks)', async () => {
    const target = join(await newDirectory(), 'data');
    const run = await runCli(['restore', '--backupId', '1', '--store', goldenDirectory, '--data-dir', target, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await readdir(target)).toEqual(expect.arrayContaining(['.cutline-restore.json', 'engine.json', 'partitions']));
  });

  it('every broken fixture has the restore code it must produce', () => {
    expect(Object.keys(restoreCodes).sort()).toEqual(brokenFixtures.map((fixture) => fixture.name).sort());
  });

  for (const [name, reason] of Object.entries(knownGaps)) it.skip(`${name}: not refused yet (${reason})`, () => {});

  it.each(brokenFixtures.filter((fixture) => knownGaps[fixture.name] === undefined).map((fixture) => [fixture.name, fixture] as const))('%s: refused, and nothing outside the staging area is left behind', async (name, fixture) => {
    const parent = await newDirectory();
    const store = await brokenCopy(fixture, parent);
    const target = join(parent, 'target');
    // The target exists and is empty (lost+found aside), as restore requires; its parent holds the store.
    await mkdir(join(target, 'lost+found'), { recursive: true });
    const before = await tree(parent);
    const run = await runCli(['restore', '--backupId', '1', '--store', store, '--data-dir', target]);
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^error \\[${restoreCodes[name] ?? 'none'}\\]: `));
    expect(run.stdout).not.toContain('Successfully restored');
    expect(await tree(parent)).toEqual(before);
  });
});
