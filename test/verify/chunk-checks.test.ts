// verify-backup on format v2 chunks: what one run reads from the store, and the damage the broken v2 fixtures do not cover.
import { describe, expect, it } from 'vitest';
import { cp, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { goldenV2Directory } from '../../fixtures/generate.js';
import { chunkKey } from '../../src/backup/chunk-format.js';
import { codecAvailable } from '../../src/store/chunk-codec.js';
import type { Manifest } from '../../src/backup/manifest.js';
import type {
  BackupStore,
  GetOptions,
  ListEntry,
  ObjectInfo,
  PutBody,
  PutOptions,
  StoreCallOptions,
} from '../../src/store/backup-store.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { CutlineError } from '../../src/errors.js';
import { allFindings, type Finding } from '../../src/verify/findings.js';
import { verifyBackups } from '../../src/verify/verify-backup.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const newDirectory = temporaryDirectories('verify-chunks');

/** Counts the reads of chunks (list prefixes, gets and heads of keys under chunks/). */
class CountingStore implements BackupStore {
  readonly description: string;
  readonly lists: string[] = [];
  readonly gets = new Map<string, number>();
  readonly heads: string[] = [];

  constructor(
    private readonly inner: BackupStore,
    /** A chunk key whose get fails as an unreachable store does. */
    private readonly failing?: string,
  ) {
    this.description = inner.description;
  }

  put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
    return this.inner.put(key, body, options);
  }
  get(key: string, options?: GetOptions): Promise<Readable> {
    if (key.startsWith('chunks/')) this.gets.set(key, (this.gets.get(key) ?? 0) + 1);
    if (key === this.failing) return Promise.reject(new CutlineError('STORE_UNAVAILABLE', `cannot read ${key}`));
    return this.inner.get(key, options);
  }
  list(prefix: string, options?: StoreCallOptions): AsyncIterable<ListEntry> {
    if (prefix.startsWith('chunks/')) this.lists.push(prefix);
    return this.inner.list(prefix, options);
  }
  head(key: string, options?: StoreCallOptions): Promise<ObjectInfo | undefined> {
    if (key.startsWith('chunks/') || key.startsWith('contents/')) this.heads.push(key);
    return this.inner.head(key, options);
  }
  delete(key: string, options?: StoreCallOptions): Promise<void> {
    return this.inner.delete(key, options);
  }
}

async function storedChunkKeys(directory: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of new FileSystemBackupStore(directory).list('chunks/')) keys.push(entry.key);
  return keys.sort();
}

async function goldenCopy(): Promise<string> {
  const directory = join(await newDirectory(), 'store');
  await cp(goldenV2Directory, directory, { recursive: true });
  return directory;
}

function manifestPath(directory: string, partitionId: number, backupId: number): string {
  return join(directory, 'manifests', String(partitionId), String(backupId), '0', 'manifest.json');
}

async function readManifest(directory: string, partitionId: number, backupId: number): Promise<Manifest> {
  return JSON.parse(await readFile(manifestPath(directory, partitionId, backupId), 'utf8')) as Manifest;
}

async function editManifest(
  directory: string,
  partitionId: number,
  backupId: number,
  edit: (manifest: Manifest) => Manifest,
): Promise<void> {
  await writeFile(
    manifestPath(directory, partitionId, backupId),
    `${JSON.stringify(edit(await readManifest(directory, partitionId, backupId)), null, 2)}\n`,
  );
}

/** The first chunk of partition 1's backup 1: the snapshot's state.db, which backup 2 lists too. */
async function sharedChunk(directory: string): Promise<{ sha256: string; key: string }> {
  const sha256 = (await readManifest(directory, 1, 1)).files[0]?.chunks?.[0]?.sha256 as string;
  return { sha256, key: chunkKey(1, sha256) };
}

async function verify(directory: string, level: 'presence' | 'checksum' | 'full'): Promise<Finding[]> {
  return allFindings(await verifyBackups(new FileSystemBackupStore(directory), 'all', { level }));
}

describe('what one verify run reads of the chunks', () => {
  it("presence lists each partition's chunks once and reads no chunk", async () => {
    const store = new CountingStore(new FileSystemBackupStore(goldenV2Directory));
    expect(allFindings(await verifyBackups(store, 'all', { level: 'presence' }))).toEqual([]);
    expect(store.lists.sort()).toEqual(['chunks/1/', 'chunks/2/', 'chunks/3/']);
    expect([...store.gets.keys()]).toEqual([]);
    expect(store.heads).toEqual([]);
  });

  it("checksum downloads every chunk of both backups once, though backup 2 reuses most of backup 1's", async () => {
    const store = new CountingStore(new FileSystemBackupStore(goldenV2Directory));
    expect(allFindings(await verifyBackups(store, 'all', { level: 'checksum' }))).toEqual([]);
    expect(store.lists.sort()).toEqual(['chunks/1/', 'chunks/2/', 'chunks/3/']);
    expect([...store.gets.keys()].sort()).toEqual(await storedChunkKeys(goldenV2Directory));
    expect(Math.max(...store.gets.values())).toBe(1);
  });

  it('a chunk both backups list is reported by each of them', async () => {
    const directory = await goldenCopy();
    const shared = await sharedChunk(directory);
    await unlink(join(directory, shared.key));
    for (const level of ['presence', 'checksum'] as const) {
      const findings = (await verify(directory, level)).filter((finding) => finding.code === 'CHUNK_MISSING');
      expect(findings.map((finding) => [finding.backupId, finding.partitionId, finding.path])).toEqual([
        [1, 1, shared.key],
        [2, 1, shared.key],
      ]);
      expect(findings[0]?.message).toBe(
        `chunk ${shared.key} is not in the store; manifests/1/1/0/manifest.json lists it for snapshot/59-0/state.db`,
      );
    }
  });

  it('a damaged chunk two files list is one finding of the backup, naming both files', async () => {
    const directory = await goldenCopy();
    const manifest = await readManifest(directory, 1, 2);
    const [first, second] = manifest.files.filter((file) => file.path.startsWith('segments/'));
    // The second segment is made the first one's copy: both list the same chunks.
    await editManifest(directory, 1, 2, (document) => ({
      ...document,
      files: document.files.map((file) =>
        file.path === second?.path
          ? { ...file, sizeBytes: first?.sizeBytes ?? 0, sha256: first?.sha256 ?? '', chunks: first?.chunks ?? [] }
          : file,
      ),
    }));
    const key = chunkKey(1, first?.chunks?.[0]?.sha256 ?? '');
    const bytes = await readFile(join(directory, key));
    bytes.write('XXXX', 0, 'ascii');
    await writeFile(join(directory, key), bytes);
    const findings = allFindings(await verifyBackups(new FileSystemBackupStore(directory), { backupId: 2 }, { level: 'checksum' }));
    expect(findings.map((finding) => finding.code)).toEqual(['CHUNK_CORRUPT']);
    expect(findings[0]?.message).toBe(
      `chunk ${key} does not start with the chunk header (magic "CLCH"); manifests/1/2/0/manifest.json lists it for ${first?.path}, ${second?.path}`,
    );
  });
});

describe('a store that fails', () => {
  it('fails the run (it is not a finding), for a chunk both backups list too', async () => {
    const shared = await sharedChunk(goldenV2Directory);
    const store = new CountingStore(new FileSystemBackupStore(goldenV2Directory), shared.key);
    await expect(verifyBackups(store, 'all', { level: 'checksum' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('chunk damage', () => {
  it('a manifest that lists another codec than the chunk header: CHUNK_CORRUPT from checksum on', async () => {
    const directory = await goldenCopy();
    const shared = await sharedChunk(directory);
    for (const backupId of [1, 2]) {
      await editManifest(directory, 1, backupId, (manifest) => ({
        ...manifest,
        files: manifest.files.map((file) => ({
          ...file,
          chunks: (file.chunks ?? []).map((chunk) => (chunk.sha256 === shared.sha256 ? { ...chunk, codec: 'none' as const } : chunk)),
        })),
      }));
    }
    expect(await verify(directory, 'presence')).toEqual([]);
    const findings = await verify(directory, 'checksum');
    expect(findings.map((finding) => [finding.code, finding.backupId])).toEqual([
      ['CHUNK_CORRUPT', 1],
      ['CHUNK_CORRUPT', 2],
    ]);
    expect(findings[0]?.message).toContain(`chunk ${shared.key} is stored with codec gzip, but its manifest lists none`);
    // The full level cannot read the snapshot either, and says so.
    expect((await verify(directory, 'full')).map((finding) => finding.code)).toEqual([
      'CHUNK_CORRUPT',
      'SNAPSHOT_MISSING',
      'CHUNK_CORRUPT',
      'SNAPSHOT_MISSING',
    ]);
  });

  it('a zstd chunk: CHUNK_CODEC_UNAVAILABLE on a Node without zstd, which cannot tell whether it is sound', async () => {
    const directory = await goldenCopy();
    const shared = await sharedChunk(directory);
    const bytes = await readFile(join(directory, shared.key));
    bytes.writeUInt8(2, 5);
    await writeFile(join(directory, shared.key), bytes);
    for (const backupId of [1, 2]) {
      await editManifest(directory, 1, backupId, (manifest) => ({
        ...manifest,
        files: manifest.files.map((file) => ({
          ...file,
          chunks: (file.chunks ?? []).map((chunk) => (chunk.sha256 === shared.sha256 ? { ...chunk, codec: 'zstd' as const } : chunk)),
        })),
      }));
    }
    // The payload is gzip: a Node with zstd finds that it does not decompress.
    const expected = codecAvailable('zstd') ? 'CHUNK_CORRUPT' : 'CHUNK_CODEC_UNAVAILABLE';
    expect((await verify(directory, 'checksum')).map((finding) => finding.code)).toEqual([expected, expected]);
  });
});
