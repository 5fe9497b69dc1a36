// FileSystemBackupStore: the contract, plus its own crash-safety rules (temporary files, fsync, link).
import { describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { Readable } from 'node:stream';
import { getBytes, listAll, readAll } from '../../src/store/backup-store.js';
import { storeWholeReadBytesMax } from '../../src/limits.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { describeBackupStoreContract, expectCode } from './backup-store.case.js';

const freshDirectory = temporaryDirectories('fs-store');

describeBackupStoreContract('FileSystemBackupStore', async () => ({
  store: new FileSystemBackupStore(await freshDirectory()),
  atomicCreateOnly: true,
}));

describe('FileSystemBackupStore on disk', () => {
  it('keeps objects as plain files at root/key and leaves no temporary file behind', async () => {
    const root = await freshDirectory();
    const store = new FileSystemBackupStore(root);
    await store.put('manifests/1/5/0/manifest.json', Buffer.from('{}'), { ifNoneMatch: true, metadata: { 'modified-at-ms': '1' } });
    await store.put('contents/1/5/0/segments/1.log', Buffer.from('log'));
    expect(await readdir(join(root, 'manifests/1/5/0'))).toEqual(['manifest.json']);
    expect(await readdir(join(root, 'contents/1/5/0/segments'))).toEqual(['1.log']);
  });

  it('reads an object of chunk size in one piece and a larger one in pieces, the same bytes either way', async () => {
    const store = new FileSystemBackupStore(await freshDirectory());
    const chunk = Buffer.alloc(storeWholeReadBytesMax, 7);
    const large = Buffer.alloc(storeWholeReadBytesMax + 1, 9);
    await store.put('chunks/1/aa/chunk', chunk);
    await store.put('contents/1/5/0/segments/1.log', large);
    const pieces = async (key: string): Promise<number[]> => {
      const lengths: number[] = [];
      for await (const piece of await store.get(key)) lengths.push((piece as Buffer).length);
      return lengths;
    };
    expect(await pieces('chunks/1/aa/chunk')).toEqual([storeWholeReadBytesMax]);
    expect((await pieces('contents/1/5/0/segments/1.log')).length).toBeGreaterThan(1);
    expect((await getBytes(store, 'chunks/1/aa/chunk')).equals(chunk)).toBe(true);
    expect((await getBytes(store, 'contents/1/5/0/segments/1.log')).equals(large)).toBe(true);
  });

  it('joins the pieces of any stream, typed arrays and strings included', async () => {
    const parts = [new Uint8Array([1, 2]), Buffer.from([3]), 'ab'];
    expect(await readAll(Readable.from(parts, { objectMode: true }))).toEqual(Buffer.from([1, 2, 3, 0x61, 0x62]));
    const only = Buffer.from('one piece');
    expect(await readAll(Readable.from([only]))).toBe(only);
  });

  it('never lists temporary files or the metadata tree', async () => {
    const root = await freshDirectory();
    const store = new FileSystemBackupStore(root);
    await store.put('a/b', Buffer.from('1'), { metadata: { x: 'y' } });
    await mkdir(join(root, 'a'), { recursive: true });
    await writeFile(join(root, 'a', '.b.tmp-abcdef'), 'half-written');
    expect(await listAll(store, '')).toMatchObject([{ key: 'a/b', sizeBytes: 1 }]);
  });

  it('removes directories that deletes leave empty', async () => {
    const root = await freshDirectory();
    const store = new FileSystemBackupStore(root);
    await store.put('x/y/z/object', Buffer.from('1'));
    await store.delete('x/y/z/object');
    expect((await readdir(root)).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('copies an object over a file without streaming it, and names a missing or invalid key', async () => {
    const store = new FileSystemBackupStore(await freshDirectory());
    const bytes = Buffer.from('segment bytes '.repeat(1000));
    await store.put('contents/1/5/0/segments/1.log', bytes);
    const target = join(await freshDirectory(), 'copy.log');
    await writeFile(target, 'older and longer content '.repeat(1000));
    expect(await store.copyToFile('contents/1/5/0/segments/1.log', target)).toBe(bytes.length);
    expect((await readFile(target)).equals(bytes)).toBe(true);
    await expectCode(store.copyToFile('contents/1/5/0/segments/2.log', target), 'STORE_NOT_FOUND');
    await expectCode(store.copyToFile('contents/1/5/0', target), 'STORE_NOT_FOUND');
    await expectCode(store.copyToFile('../outside', target), 'STORE_KEY_INVALID');
  });

  it('refuses a key whose parent path is an object', async () => {
    const store = new FileSystemBackupStore(await freshDirectory());
    await store.put('file', Buffer.from('1'));
    await expectCode(store.put('file/child', Buffer.from('2')), 'STORE_KEY_INVALID');
  });
});

describe('FileSystemBackupStore and symbolic links', () => {
  /** A store holding one real object, a link to a file outside it, and a link to a directory outside it. */
  async function storeWithLinks(): Promise<{ root: string; outside: string; store: FileSystemBackupStore }> {
    const root = await freshDirectory();
    const outside = await freshDirectory();
    await writeFile(join(outside, 'secret'), 'outside the store');
    await mkdir(join(outside, 'directory'));
    await writeFile(join(outside, 'directory', 'object'), 'outside too');
    const store = new FileSystemBackupStore(root);
    await store.put('manifests/1/real', Buffer.from('real'));
    await symlink(join(outside, 'secret'), join(root, 'manifests', '1', 'linked'));
    await symlink(join(outside, 'directory'), join(root, 'manifests', '2'));
    return { root, outside, store };
  }

  it('never lists a link, and refuses a listing whose prefix passes through one', async () => {
    const { store } = await storeWithLinks();
    expect(await listAll(store, '')).toMatchObject([{ key: 'manifests/1/real', sizeBytes: 4 }]);
    expect(await listAll(store, 'manifests/1/')).toMatchObject([{ key: 'manifests/1/real', sizeBytes: 4 }]);
    const refused = await expectCode(listAll(store, 'manifests/2/'), 'STORE_SYMLINK');
    expect(refused.message).toContain('manifests/2/ is a symbolic link inside the filesystem store');
  });

  it('refuses to read, copy, head or delete an object that is a link or lies under a linked directory', async () => {
    const { outside, store } = await storeWithLinks();
    const target = join(outside, 'copy');
    for (const key of ['manifests/1/linked', 'manifests/2/object']) {
      await expectCode(getBytes(store, key), 'STORE_SYMLINK');
      await expectCode(store.copyToFile(key, target), 'STORE_SYMLINK');
      await expectCode(store.head(key), 'STORE_SYMLINK');
      await expectCode(store.delete(key), 'STORE_SYMLINK');
    }
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('outside the store');
    expect(await readFile(join(outside, 'directory', 'object'), 'utf8')).toBe('outside too');
  });

  it('never writes through a link: not over a linked object, not into or below a linked directory', async () => {
    const { outside, store } = await storeWithLinks();
    await expectCode(store.put('manifests/1/linked', Buffer.from('x')), 'STORE_SYMLINK');
    await expectCode(store.put('manifests/2/new', Buffer.from('x')), 'STORE_SYMLINK');
    await expectCode(store.put('manifests/2/deeper/new', Buffer.from('x'), { ifNoneMatch: true }), 'STORE_SYMLINK');
    expect((await readdir(join(outside, 'directory'))).sort()).toEqual(['object']);
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('outside the store');
  });

  it('accepts a store root that is itself a link (operators point a store at a mount through one)', async () => {
    const real = await freshDirectory();
    const linkedRoot = join(await freshDirectory(), 'store');
    await symlink(real, linkedRoot);
    const store = new FileSystemBackupStore(linkedRoot);
    await store.put('manifests/1/5/0/manifest.json', Buffer.from('{}'), { metadata: { a: 'b' } });
    expect(await listAll(store, 'manifests/')).toMatchObject([{ key: 'manifests/1/5/0/manifest.json', sizeBytes: 2 }]);
    expect(await store.head('manifests/1/5/0/manifest.json')).toEqual({
      key: 'manifests/1/5/0/manifest.json',
      sizeBytes: 2,
      metadata: { a: 'b' },
    });
    expect(await readFile(join(real, 'manifests/1/5/0/manifest.json'), 'utf8')).toBe('{}');
  });
});
