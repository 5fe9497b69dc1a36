// FileSystemBackupStore: the contract, plus its own crash-safety rules (temporary files, fsync, link).
import { describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { listAll } from '../../src/store/backup-store.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { describeBackupStoreContract, expectCode } from './backup-store.case.js';

const freshDirectory = temporaryDirectories('fs-store');

describeBackupStoreContract('FileSystemBackupStore', async () => ({ store: new FileSystemBackupStore(await freshDirectory()), atomicCreateOnly: true }));

describe('FileSystemBackupStore on disk', () => {
  it('keeps objects as plain files at root/key and leaves no temporary file behind', async () => {
    const root = await freshDirectory();
    const store = new FileSystemBackupStore(root);
    await store.put('manifests/1/5/0/manifest.json', Buffer.from('{}'), { ifNoneMatch: true, metadata: { 'modified-at-ms': '1' } });
    await store.put('contents/1/5/0/segments/1.log', Buffer.from('log'));
    expect(await readdir(join(root, 'manifests/1/5/0'))).toEqual(['manifest.json']);
    expect(await readdir(join(root, 'contents/1/5/0/segments'))).toEqual(['1.log']);
  });

  it('never lists temporary files or the metadata tree', async () => {
    const root = await freshDirectory();
    const store = new FileSystemBackupStore(root);
    await store.put('a/b', Buffer.from('1'), { metadata: { x: 'y' } });
    await mkdir(join(root, 'a'), { recursive: true });
    await writeFile(join(root, 'a', '.b.tmp-abcdef'), 'half-written');
    expect(await listAll(store, '')).toEqual([{ key: 'a/b', sizeBytes: 1 }]);
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
