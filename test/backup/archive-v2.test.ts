// Archives of format v2 backups: the chunks travel with the manifests, are checked on the way in, and never replace a stored chunk.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { listAll, readAll } from '../../src/store/backup-store.js';
import { exportBackup } from '../../src/backup/archive.js';
import { importBackup } from '../../src/backup/archive-import.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { readBackupFileBytes } from '../../src/backup/backup-file.js';
import { produceEngineBackup } from '../restore/engine-backup.js';
import { expectCode } from '../store/backup-store.case.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('archive-v2');
let source: FileSystemBackupStore;
let archive: string;

interface Entry {
  readonly name: string;
  readonly data: Buffer;
}

async function readTar(path: string): Promise<Entry[]> {
  const extract = tar.extract();
  Readable.from([await readFile(path)]).pipe(extract);
  const entries: Entry[] = [];
  for await (const entry of extract) entries.push({ name: entry.header.name, data: await readAll(Readable.from(entry)) });
  return entries;
}

async function writeTar(entries: readonly Entry[]): Promise<string> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const { name, data } of entries)
    await new Promise<void>((resolve, reject) => pack.entry({ name }, data, (error) => (error ? reject(error) : resolve())));
  pack.finalize();
  await done;
  const path = join(await freshDirectory(), 'edited.tar');
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

beforeAll(async () => {
  source = new FileSystemBackupStore(join(await freshDirectory(), 'store'));
  await produceEngineBackup(source, { seed: 41, partitionCount: 2 });
  archive = join(await freshDirectory(), 'backup.tar');
  await exportBackup(source, 1, archive);
});

describe('archives of format v2 backups', () => {
  it('hold the header, the manifests, then each chunk once, and import into an empty store byte for byte', async () => {
    const entries = await readTar(archive);
    const header = JSON.parse(entries[0]?.data.toString('utf8') ?? '{}') as { formatVersion: number; chunkCount: number };
    expect(header.formatVersion).toBe(2);
    const chunkEntries = entries.filter((entry) => entry.name.startsWith('chunks/'));
    expect(chunkEntries).toHaveLength(header.chunkCount);
    expect(new Set(chunkEntries.map((entry) => entry.name)).size).toBe(chunkEntries.length);
    expect(entries.some((entry) => entry.name.startsWith('contents/'))).toBe(false);
    const target = new FileSystemBackupStore(join(await freshDirectory(), 'target'));
    await importBackup(target, archive);
    const manifests = await listBackupManifests(target, 1);
    expect(manifests).toEqual(await listBackupManifests(source, 1));
    for (const manifest of manifests) {
      for (const file of manifest.files)
        expect((await readBackupFileBytes(target, manifest.id, file)).equals(await readBackupFileBytes(source, manifest.id, file))).toBe(
          true,
        );
    }
  });

  it('imports into a store that already holds some of the chunks, keeping them as they are', async () => {
    const target = new FileSystemBackupStore(join(await freshDirectory(), 'target'));
    const first = (await readTar(archive)).find((entry) => entry.name.startsWith('chunks/'));
    await target.put(first?.name ?? '', first?.data ?? Buffer.alloc(0));
    await importBackup(target, archive);
    expect((await listBackupManifests(target, 1)).every((manifest) => manifest.status === 'COMPLETED')).toBe(true);
  });

  it('refuses a tampered chunk before the manifests are written, and collects the chunks it stored', async () => {
    const entries = await readTar(archive);
    const chunks = entries.filter((entry) => entry.name.startsWith('chunks/'));
    const victim = chunks.at(-1);
    const tampered = entries.map((entry) => {
      if (entry !== victim) return entry;
      const data = Buffer.from(entry.data);
      data[data.length - 3] = (data[data.length - 3] ?? 0) ^ 0x55;
      return { ...entry, data };
    });
    const target = new FileSystemBackupStore(join(await freshDirectory(), 'target'));
    const error = await importBackup(target, await writeTar(tampered)).then(
      () => new Error('the tampered archive was imported'),
      (caught: unknown) => caught as Error,
    );
    expect(['CHUNK_CORRUPT', 'ARCHIVE_CHECKSUM']).toContain((error as { code?: string }).code);
    expect(error.message).toContain(victim?.name ?? 'the victim');
    expect(await listAll(target, 'manifests/')).toEqual([]);
    expect(await listAll(target, 'chunks/')).toEqual([]);
    expect(await listAll(target, 'collections/')).toEqual([]);
  });

  it('refuses a chunk the manifests do not list, and an archive that ends before a listed chunk', async () => {
    const entries = await readTar(archive);
    const stray = { name: `chunks/1/00/${'0'.repeat(64)}`, data: Buffer.from('x') };
    await expectCode(
      importBackup(new FileSystemBackupStore(join(await freshDirectory(), 'target')), await writeTar([...entries, stray])),
      'ARCHIVE_INVALID',
    );
    const short = entries.slice(0, -1);
    const error = await expectCode(
      importBackup(new FileSystemBackupStore(join(await freshDirectory(), 'target')), await writeTar(short)),
      'ARCHIVE_INVALID',
    );
    expect(error.message).toMatch(/the archive ends without 1 file\(s\) its manifests list, first chunks\/\d+\//);
  });
});
