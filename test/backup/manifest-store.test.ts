// The commit protocol in a real store: contents first, the COMPLETED manifest last, ids never reused.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ManualClock } from '../../src/clock.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import type { BackupStore, PutBody, PutOptions } from '../../src/store/backup-store.js';
import { getBytes, listAll } from '../../src/store/backup-store.js';
import {
  createManifest,
  failBackup,
  failInterruptedBackups,
  listBackupIds,
  listBackupManifests,
  ManifestCache,
  readAllManifests,
  readManifest,
  uploadBackup,
} from '../../src/backup/manifest-store.js';
import { newManifest } from '../../src/backup/manifest.js';
import { fileStreamBody } from '../../src/store/file-body.js';
import { FaultInjectingBackupStore } from '../support/fault-injecting-backup-store.js';
import { RetryingBackupStore } from '../../src/store/retrying-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestKey } from '../../src/backup/backup-layout.js';
import { expectCode } from '../store/backup-store.case.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { descriptor, fileSource } from './manifest-fixture.js';

const freshDirectory = temporaryDirectories('manifest-store');
async function freshStore(): Promise<FileSystemBackupStore> {
  return new FileSystemBackupStore(await freshDirectory());
}

const clock = new ManualClock(1_700_000_000_000);

/** Records the order of writes, so the test sees the manifest is the last thing written. */
class RecordingStore {
  readonly writes: string[] = [];
  constructor(readonly inner: BackupStore) {}
  wrap(): BackupStore {
    const inner = this.inner;
    const writes = this.writes;
    return {
      description: inner.description,
      put: async (key: string, body: PutBody, options?: PutOptions) => {
        writes.push(key);
        await inner.put(key, body, options);
      },
      get: (key, options) => inner.get(key, options),
      list: (prefix, options) => inner.list(prefix, options),
      head: (key, options) => inner.head(key, options),
      delete: (key, options) => inner.delete(key, options),
    };
  }
}

describe('uploadBackup', () => {
  it('writes the IN_PROGRESS manifest, then the contents, then the COMPLETED manifest with sizes and SHA-256', async () => {
    const recording = new RecordingStore(await freshStore());
    const store = recording.wrap();
    const id = { partitionId: 2, checkpointId: 7, nodeId: 1 };
    const manifest = await uploadBackup(
      store,
      id,
      descriptor(),
      [fileSource('snapshot/16-10-7-8/state.db', 'state'), fileSource('segments/00000001.log', 'records')],
      clock,
    );
    expect(recording.writes).toEqual([
      manifestKey(id),
      'contents/2/7/1/snapshot/16-10-7-8/state.db',
      'contents/2/7/1/segments/00000001.log',
      manifestKey(id),
    ]);
    expect(manifest.status).toBe('COMPLETED');
    expect(manifest.files).toEqual([
      { path: 'snapshot/16-10-7-8/state.db', sizeBytes: 5, sha256: createHash('sha256').update('state').digest('hex') },
      { path: 'segments/00000001.log', sizeBytes: 7, sha256: createHash('sha256').update('records').digest('hex') },
    ]);
    expect(await readManifest(store, id)).toEqual(manifest);
    expect((await store.head(manifestKey(id)))?.metadata['cutline-status']).toBe('COMPLETED');
  });

  it('refuses to reuse a backup id and leaves the first backup intact', async () => {
    const store = await freshStore();
    const id = { partitionId: 1, checkpointId: 3, nodeId: 0 };
    await uploadBackup(store, id, descriptor(), [fileSource('segments/1.log', 'one')], clock);
    await expectCode(uploadBackup(store, id, descriptor(), [fileSource('segments/1.log', 'two')], clock), 'STORE_ALREADY_EXISTS');
    expect((await getBytes(store, 'contents/1/3/0/segments/1.log')).toString()).toBe('one');
    expect((await readManifest(store, id)).status).toBe('COMPLETED');
  });

  it('takes a create-only retry that finds its own manifest for success, not for a reused id', async () => {
    const faulty = new FaultInjectingBackupStore(await freshStore(), new SeededRandom(1));
    const store = new RetryingBackupStore(faulty, new SeededRandom(2), 3, () => Promise.resolve());
    const id = { partitionId: 1, checkpointId: 8, nodeId: 0 };
    faulty.setPlan({ loseAnswerProbability: 1, keyPrefix: 'manifests/', operations: ['put'] });
    await createManifest(store, newManifest(id, descriptor(), clock));
    faulty.setPlan({});
    expect(faulty.faults.map((fault) => fault.kind)).toEqual(['lose-answer']);
    await expectCode(createManifest(store, newManifest(id, descriptor(), new ManualClock(5))), 'STORE_ALREADY_EXISTS');
  });

  it('marks the backup FAILED with the reason when a content upload fails', async () => {
    const store = await freshStore();
    const id = { partitionId: 1, checkpointId: 4, nodeId: 0 };
    const broken = { path: 'segments/2.log', body: { sizeBytes: 10, open: () => Readable.from([Buffer.from('short')]) } };
    await expectCode(uploadBackup(store, id, descriptor(), [fileSource('segments/1.log', 'x'), broken], clock), 'STORE_SIZE_MISMATCH');
    const manifest = await readManifest(store, id);
    expect(manifest.status).toBe('FAILED');
    expect(manifest.failureReason).toContain('segments/2.log');
    await expectCode(failBackup(store, id, 'again', clock), 'MANIFEST_TRANSITION');
  });

  it('fails the interrupted backups of a node after a restart, and only those', async () => {
    const store = await freshStore();
    const inProgress = { partitionId: 1, checkpointId: 20, nodeId: 0 };
    await createManifest(store, newManifest(inProgress, descriptor(), clock));
    await createManifest(store, newManifest({ partitionId: 1, checkpointId: 21, nodeId: 1 }, descriptor(), clock));
    await uploadBackup(store, { partitionId: 1, checkpointId: 19, nodeId: 0 }, descriptor(), [fileSource('segments/1.log', 'x')], clock);
    expect(await failInterruptedBackups(store, 1, 0, clock)).toEqual([inProgress]);
    expect((await readManifest(store, inProgress)).failureReason).toContain('restarted');
    expect((await readManifest(store, { partitionId: 1, checkpointId: 21, nodeId: 1 })).status).toBe('IN_PROGRESS');
  });

  it('uploads a file only up to the length given, however long the file is', async () => {
    const store = await freshStore();
    const path = join(await freshDirectory(), 'segment.log');
    await writeFile(path, 'durable|not yet durable');
    const id = { partitionId: 1, checkpointId: 30, nodeId: 0 };
    const manifest = await uploadBackup(
      store,
      id,
      descriptor(),
      [
        { path: 'segments/1.log', body: fileStreamBody(path, 7) },
        { path: 'segments/2.log', body: fileStreamBody(path, 0) },
      ],
      clock,
    );
    expect((await getBytes(store, 'contents/1/30/0/segments/1.log')).toString()).toBe('durable');
    expect((await getBytes(store, 'contents/1/30/0/segments/2.log')).length).toBe(0);
    expect(manifest.files.map((file) => file.sizeBytes)).toEqual([7, 0]);
  });

  it('hashes a file whose store answers as soon as it has every byte, before the file stream sees its end', async () => {
    const inner = await freshStore();
    const path = join(await freshDirectory(), 'segment.log');
    await writeFile(path, 'x'.repeat(200_000));
    // Like S3: the request is complete (and answered) once Content-Length bytes are in; the body's end comes later.
    const eager: BackupStore = {
      ...new RecordingStore(inner).wrap(),
      put: async (key, body, options) => {
        if (body instanceof Uint8Array) return inner.put(key, body, options);
        const stream = body.open();
        const chunks: Buffer[] = [];
        let received = 0;
        for await (const chunk of stream) {
          chunks.push(chunk as Buffer);
          received += (chunk as Buffer).length;
          if (received >= body.sizeBytes) break;
        }
        await inner.put(key, Buffer.concat(chunks), options);
      },
    };
    const id = { partitionId: 1, checkpointId: 31, nodeId: 0 };
    const manifest = await uploadBackup(
      eager,
      id,
      descriptor(),
      [
        { path: 'segments/1.log', body: fileStreamBody(path, 200_000) },
        { path: 'segments/2.log', body: fileStreamBody(path, 0) },
      ],
      clock,
    );
    expect(manifest.files.map((file) => file.sha256)).toEqual([
      createHash('sha256').update('x'.repeat(200_000)).digest('hex'),
      createHash('sha256').digest('hex'),
    ]);
  });

  it('finds the manifests of one backup id across partitions, and lists backup ids', async () => {
    const store = await freshStore();
    for (const partitionId of [3, 1, 2])
      await uploadBackup(
        store,
        { partitionId, checkpointId: 9, nodeId: 0 },
        descriptor({ partitionCount: 3 }),
        [fileSource('segments/1.log', 'x')],
        clock,
      );
    await uploadBackup(store, { partitionId: 1, checkpointId: 90, nodeId: 0 }, descriptor(), [fileSource('segments/1.log', 'x')], clock);
    await store.put('manifests/stray.json', Buffer.from('{}'));
    expect((await listBackupManifests(store, 9)).map((manifest) => manifest.id.partitionId)).toEqual([1, 2, 3]);
    expect(await listBackupIds(store)).toEqual([9, 90]);
    await expectCode(listBackupManifests(store, 8), 'BACKUP_NOT_FOUND');
    expect((await listAll(store, 'contents/')).length).toBe(4);
  });

  it('reads every manifest of a store from one listing, grouped by backup id, whatever the number of backups', async () => {
    const store = await freshStore();
    for (let checkpointId = 1; checkpointId <= 40; checkpointId++) {
      for (const partitionId of [2, 1, 3])
        await createManifest(store, newManifest({ partitionId, checkpointId, nodeId: 0 }, descriptor({ partitionCount: 3 }), clock));
    }
    await store.put('manifests/stray.json', Buffer.from('{}'));
    let lists = 0;
    let gets = 0;
    const counting: BackupStore = {
      description: store.description,
      put: store.put.bind(store),
      head: store.head.bind(store),
      delete: store.delete.bind(store),
      // Versions as S3 lists them (a filesystem store lists none): here the SHA-256 of the object's bytes.
      list: async function* (prefix, options) {
        lists += 1;
        for await (const entry of store.list(prefix, options))
          yield {
            ...entry,
            version: createHash('sha256')
              .update(await getBytes(store, entry.key))
              .digest('hex'),
          };
      },
      get: (key, options) => {
        gets += 1;
        return store.get(key, options);
      },
    };
    const all = await readAllManifests(counting);
    // One listing and one read per manifest: listing N backups no longer lists the store N times.
    expect([lists, gets]).toEqual([1, 120]);
    expect([...all.keys()]).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(all.get(7)?.map((manifest) => manifest.id.partitionId)).toEqual([1, 2, 3]);
    expect(all.get(7)).toEqual(await listBackupManifests(store, 7));
    // With a cache, a second listing reads only what was written since: here one manifest marked FAILED.
    const cache = new ManifestCache();
    await readAllManifests(counting, {}, cache);
    await failBackup(store, { partitionId: 2, checkpointId: 7, nodeId: 0 }, 'a test failure', clock);
    [lists, gets] = [0, 0];
    const again = await readAllManifests(counting, {}, cache);
    expect([lists, gets]).toEqual([1, 1]);
    expect(again.get(7)?.map((manifest) => manifest.status)).toEqual(['IN_PROGRESS', 'FAILED', 'IN_PROGRESS']);
  });
});
