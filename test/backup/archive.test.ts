// Backup archives: export then import into filesystem and S3 stores, and hostile archives refused with nothing left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ManualClock } from '../../src/clock.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { S3BackupStore } from '../../src/store/s3-backup-store.js';
import type { BackupStore, PutBody, PutOptions } from '../../src/store/backup-store.js';
import { getBytes, isStreamBody, listAll, readAll } from '../../src/store/backup-store.js';
import { RetryingBackupStore } from '../../src/store/retrying-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { uploadBackup, listBackupManifests, updateManifest } from '../../src/backup/manifest-store.js';
import { exportBackup } from '../../src/backup/archive.js';
import { importBackup } from '../../src/backup/archive-import.js';
import { expectCode } from '../store/backup-store.case.js';
import { manifestBytesMax } from '../../src/limits.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { startFlakyProxy } from '../support/flaky-proxy.js';
import { descriptor, fileSource } from './manifest-fixture.js';

const clock = new ManualClock(1_700_000_000_000);
let workDirectory: string;
let server: LoopbackS3;
let counter = 0;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'cutline-archive-'));
  server = await startLoopbackS3();
});
afterAll(async () => {
  await server.close();
  await rm(workDirectory, { recursive: true, force: true });
});

function freshPath(name: string): string {
  counter += 1;
  return join(workDirectory, `${counter}-${name}`);
}

async function sourceStoreWithBackup(checkpointId = 5): Promise<BackupStore> {
  const store = new FileSystemBackupStore(freshPath('source'));
  for (const partitionId of [1, 2]) {
    await uploadBackup(
      store,
      { partitionId, checkpointId, nodeId: 0 },
      descriptor({ partitionCount: 2 }),
      [
        fileSource('snapshot/16-10-7-8/state.db', `state of ${partitionId}`),
        fileSource('segments/00000001.log', `records of ${partitionId}`.repeat(1000)),
      ],
      clock,
    );
  }
  return store;
}

interface TarEntry {
  readonly header: tar.Header;
  readonly data: Buffer;
}

async function readTar(path: string): Promise<TarEntry[]> {
  const extract = tar.extract();
  Readable.from([await readFile(path)]).pipe(extract);
  const entries: TarEntry[] = [];
  for await (const entry of extract) entries.push({ header: { ...entry.header }, data: await readAll(Readable.from(entry)) });
  return entries;
}

async function writeTar(entries: readonly { header: Partial<tar.Header> & { name: string }; data?: Buffer }[]): Promise<string> {
  const pack = tar.pack();
  const path = freshPath('hostile.tar');
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const { header, data } of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry(header, data ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve())),
    );
  }
  pack.finalize();
  await done;
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

/** The first put of every content key reads part of its body, then fails as a reset connection does. */
function resettingFirstPuts(inner: BackupStore): BackupStore & { resets: number } {
  const reset = new Set<string>();
  const store = {
    description: inner.description,
    resets: 0,
    get: inner.get.bind(inner),
    list: inner.list.bind(inner),
    head: inner.head.bind(inner),
    delete: inner.delete.bind(inner),
    async put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
      if (key.startsWith('contents/') && !reset.has(key)) {
        reset.add(key);
        store.resets += 1;
        if (isStreamBody(body)) {
          const stream = body.open();
          for await (const chunk of stream) if (chunk !== undefined) break;
          stream.destroy();
        }
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      await inner.put(key, body, options);
    },
  };
  return store;
}

async function exportedEntries(): Promise<TarEntry[]> {
  const out = freshPath('backup.tar');
  await exportBackup(await sourceStoreWithBackup(), 5, out);
  return readTar(out);
}

describe('backup archives', () => {
  it('exports a whole backup and imports it into a filesystem store and into S3, byte for byte', async () => {
    const source = await sourceStoreWithBackup();
    const out = freshPath('backup.tar');
    const summary = await exportBackup(source, 5, out);
    expect(summary).toMatchObject({ checkpointId: 5, partitionIds: [1, 2], fileCount: 4 });
    const names = (await readTar(out)).map((entry) => entry.header.name);
    expect(names.slice(0, 3)).toEqual(['cutline-archive.json', 'manifests/1/5/0/manifest.json', 'manifests/2/5/0/manifest.json']);
    const s3 = new S3BackupStore({
      bucket: server.bucket,
      prefix: `archive-${counter}`,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
    });
    for (const target of [new FileSystemBackupStore(freshPath('target')), s3]) {
      expect(await importBackup(target, out)).toMatchObject({ checkpointId: 5, partitionIds: [1, 2], fileCount: 4 });
      expect(await listBackupManifests(target, 5)).toEqual(await listBackupManifests(source, 5));
      for (const { key } of await listAll(source, 'contents/'))
        expect((await getBytes(target, key)).equals(await getBytes(source, key))).toBe(true);
    }
    s3.destroy();
  });

  it('retries a streamed PUT into S3 that fails (the body is re-sent, not re-read from the tar)', async () => {
    const source = await sourceStoreWithBackup();
    const out = freshPath('flaky.tar');
    await exportBackup(source, 5, out);
    const proxy = await startFlakyProxy(server.endpoint, 1);
    const s3 = new S3BackupStore({
      bucket: server.bucket,
      prefix: `flaky-${counter}`,
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
      attemptsMax: 3,
    });
    try {
      // bufferBytesMax 0 spools every entry to a file, so each goes to S3 as a streamed PUT.
      expect(await importBackup(s3, out, { bufferBytesMax: 0 })).toMatchObject({ checkpointId: 5, partitionIds: [1, 2], fileCount: 4 });
      for (const { key } of await listAll(source, 'contents/'))
        expect((await getBytes(s3, key)).equals(await getBytes(source, key))).toBe(true);
      expect(proxy.counts.failed).toBeGreaterThanOrEqual(4);
    } finally {
      s3.destroy();
      await proxy.close();
    }
  });

  for (const [kept, bufferBytesMax] of [
    ['in memory', undefined],
    ['in a temporary file', 0],
  ] as const) {
    it(`re-sends an entry kept ${kept} when a retried put broke off mid-body`, async () => {
      const source = await sourceStoreWithBackup();
      const out = freshPath('reset.tar');
      await exportBackup(source, 5, out);
      const target = new FileSystemBackupStore(freshPath('target'));
      const resetting = resettingFirstPuts(target);
      const retrying = new RetryingBackupStore(resetting, new SeededRandom(1), undefined, () => Promise.resolve());
      await importBackup(retrying, out, bufferBytesMax === undefined ? {} : { bufferBytesMax });
      expect(resetting.resets).toBe(4);
      for (const { key } of await listAll(source, 'contents/'))
        expect((await getBytes(target, key)).equals(await getBytes(source, key))).toBe(true);
      expect(await listBackupManifests(target, 5)).toEqual(await listBackupManifests(source, 5));
    });
  }

  it('refuses to export a backup that is not COMPLETED on every partition, and never leaves a partial tar', async () => {
    const store = await sourceStoreWithBackup(6);
    await updateManifest(store, { partitionId: 2, checkpointId: 6, nodeId: 0 }, 'DELETED', clock);
    const out = freshPath('partial.tar');
    const error = await expectCode(exportBackup(store, 6, out), 'BACKUP_INCOMPLETE');
    expect(error.message).toContain('partition 2');
    await expectCode(exportBackup(store, 99, out), 'BACKUP_NOT_FOUND');
    await expect(stat(out)).rejects.toThrow();
  });

  it('refuses to export a partition two nodes completed, naming both, as restore and verify-backup do', async () => {
    const store = await sourceStoreWithBackup(8);
    await uploadBackup(
      store,
      { partitionId: 2, checkpointId: 8, nodeId: 1 },
      descriptor({ partitionCount: 2 }),
      [fileSource('segments/00000001.log', 'another log')],
      clock,
    );
    const out = freshPath('duplicate.tar');
    const error = await expectCode(exportBackup(store, 8, out), 'PARTITION_DUPLICATE');
    expect(error.message).toContain('partition 2 by nodes 0 and 1');
    await expect(stat(out)).rejects.toThrow();
  });

  it('stops an export when a stored file does not match its manifest', async () => {
    const store = await sourceStoreWithBackup(7);
    await store.put('contents/2/7/0/segments/00000001.log', Buffer.from('tampered'));
    const out = freshPath('tampered.tar');
    await expectCode(exportBackup(store, 7, out), 'ARCHIVE_CHECKSUM');
    await expect(stat(out)).rejects.toThrow();
  });

  const hostile: [string, (entries: TarEntry[]) => { header: Partial<tar.Header> & { name: string }; data?: Buffer }[], string][] = [
    ['an absolute path', (entries) => [...entries, { header: { name: '/etc/cron.d/evil' }, data: Buffer.from('x') }], 'ARCHIVE_INVALID'],
    [
      'a .. component',
      (entries) => [...entries.slice(0, 3), { header: { name: 'contents/1/5/0/../../../../escape' }, data: Buffer.from('x') }],
      'ARCHIVE_INVALID',
    ],
    [
      'a symbolic link',
      (entries) => [
        ...entries.slice(0, 3),
        { header: { name: 'contents/1/5/0/segments/00000001.log', type: 'symlink', linkname: '/etc/passwd' } },
      ],
      'ARCHIVE_INVALID',
    ],
    [
      'a hard link',
      (entries) => [
        ...entries.slice(0, 3),
        { header: { name: 'contents/1/5/0/segments/00000001.log', type: 'link', linkname: 'manifests/1/5/0/manifest.json' } },
      ],
      'ARCHIVE_INVALID',
    ],
    [
      'a device',
      (entries) => [
        ...entries.slice(0, 3),
        { header: { name: 'contents/1/5/0/segments/dev', type: 'character-device', devmajor: 1, devminor: 3 } },
      ],
      'ARCHIVE_INVALID',
    ],
    [
      'a file no manifest lists',
      (entries) => [...entries.slice(0, 3), { header: { name: 'contents/1/5/0/segments/extra.log' }, data: Buffer.from('x') }],
      'ARCHIVE_INVALID',
    ],
    [
      'a tampered file',
      (entries) =>
        entries.map((entry) =>
          entry.header.name.endsWith('2/5/0/snapshot/16-10-7-8/state.db') ? { ...entry, data: Buffer.from('state of 3') } : entry,
        ),
      'ARCHIVE_CHECKSUM',
    ],
    [
      'a missing file',
      (entries) => entries.filter((entry) => !entry.header.name.endsWith('2/5/0/segments/00000001.log')),
      'ARCHIVE_INVALID',
    ],
    ['no header entry', (entries) => entries.slice(1), 'ARCHIVE_INVALID'],
    [
      'an unknown archive version',
      (entries) => [{ header: entries[0]!.header, data: Buffer.from('{"formatVersion":9}') }, ...entries.slice(1)],
      'ARCHIVE_INVALID',
    ],
    [
      'a manifest beyond the size limit',
      (entries) => [entries[0]!, { header: { name: 'manifests/1/5/0/manifest.json' }, data: Buffer.alloc(manifestBytesMax + 1, 32) }],
      'LIMIT_EXCEEDED',
    ],
    [
      'a manifest under another name',
      (entries) => [entries[0]!, { header: { name: 'manifests/3/5/0/manifest.json' }, data: entries[1]!.data }],
      'ARCHIVE_INVALID',
    ],
    [
      'a manifest of an unknown version',
      (entries) => [entries[0]!, { header: { name: 'manifests/1/5/0/manifest.json' }, data: Buffer.from('{"formatVersion":4}') }],
      'MANIFEST_VERSION',
    ],
    ['a stray entry', (entries) => [...entries, { header: { name: 'README' }, data: Buffer.from('x') }], 'ARCHIVE_INVALID'],
  ];

  for (const [what, mutate, code] of hostile) {
    it(`refuses an archive with ${what} and leaves the store without a trace of it`, async () => {
      const path = await writeTar(mutate(await exportedEntries()));
      const target = new FileSystemBackupStore(freshPath('target'));
      await expectCode(importBackup(target, path), code);
      expect(await listAll(target, '')).toEqual([]);
    });
  }

  it('reports an archive cut short as ARCHIVE_INVALID naming the entry and the bytes, whether the entry is kept in memory or spooled', async () => {
    const out = freshPath('whole.tar');
    await exportBackup(await sourceStoreWithBackup(), 5, out);
    const bytes = await readFile(out);
    const name = 'contents/2/5/0/segments/00000001.log';
    // A ustar header holds the entry's name at its start, and headers start on 512-byte blocks.
    const header = bytes.indexOf(Buffer.from(`${name}\0`));
    expect(header % 512).toBe(0);
    const size = (await readTar(out)).find((entry) => entry.header.name === name)?.data.length ?? 0;
    const cuts: [number, string][] = [
      [header + 512 + Math.floor(size / 2), `inside entry "${name}", which declares ${size} bytes`],
      [header + 100, 'after entry "contents/2/5/0/snapshot/16-10-7-8/state.db", inside the next header or the end-of-archive blocks'],
      [bytes.length - 10, `after entry "${name}", inside the next header or the end-of-archive blocks`],
    ];
    for (const [cut, where] of cuts) {
      const truncated = freshPath('truncated.tar');
      await writeFile(truncated, bytes.subarray(0, cut));
      for (const bufferBytesMax of [undefined, 64]) {
        const s3 = new S3BackupStore({
          bucket: server.bucket,
          prefix: `truncated-${counter}`,
          endpoint: server.endpoint,
          forcePathStyle: true,
          credentials: server.credentials,
        });
        for (const target of [new FileSystemBackupStore(freshPath('target')), s3]) {
          const error = await expectCode(
            importBackup(target, truncated, bufferBytesMax === undefined ? {} : { bufferBytesMax }),
            'ARCHIVE_INVALID',
          );
          expect(error.message).toContain(`the archive is cut short: it ends after ${cut} bytes, ${where}`);
          expect(await listAll(target, '')).toEqual([]);
        }
        s3.destroy();
      }
    }
  });

  it('refuses to import over a backup the store already holds', async () => {
    const source = await sourceStoreWithBackup();
    const out = freshPath('again.tar');
    await exportBackup(source, 5, out);
    await expectCode(importBackup(source, out), 'STORE_ALREADY_EXISTS');
    expect((await listBackupManifests(source, 5)).every((manifest) => manifest.status === 'COMPLETED')).toBe(true);
  });
});
