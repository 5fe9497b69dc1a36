// Chunk collection in a real store: what it frees and keeps, and the race with a backup that reuses a condemned chunk.
import { afterEach, describe, expect, it } from 'vitest';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { listAll } from '../../src/store/backup-store.js';
import { chunkKey } from '../../src/backup/chunk-format.js';
import { chunkSegmentFile, type ChunkedFile } from '../../src/backup/chunking.js';
import { uploadChunkedBackup } from '../../src/backup/chunked-backup.js';
import { collectChunks, collectionRecordKey, readCollectionRecord } from '../../src/backup/chunk-collection.js';
import { createManifest, readManifest, updateManifest } from '../../src/backup/manifest-store.js';
import { newManifest } from '../../src/backup/manifest.js';
import type { BackupId } from '../../src/backup/backup-layout.js';
import { chunkCollectionLeaseMs } from '../../src/limits.js';
import { expectCode } from '../store/backup-store.case.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { descriptor } from './manifest-fixture.js';
import { eventually } from '../support/eventually.js';

const freshDirectory = temporaryDirectories('chunk-collection');
const handles: FileHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => handle.close()));
});

const backupId = (checkpointId: number): BackupId => ({ partitionId: 1, checkpointId, nodeId: 0 });

/** One segment file per content, chunked as the backup manager would (contents: one chunk each). */
async function files(directory: string, contents: readonly string[]): Promise<ChunkedFile[]> {
  return Promise.all(
    contents.map(async (content, index) => {
      const path = join(directory, `${content}-${index}.log`);
      await writeFile(path, content.repeat(100));
      const handle = await open(path, 'r');
      handles.push(handle);
      return chunkSegmentFile(
        { path: `segments/${String(index + 1).padStart(20, '0')}.log`, handle, sizeBytes: content.length * 100, identity: path },
        undefined,
      );
    }),
  );
}

function addressOf(file: ChunkedFile | undefined): string {
  const address = file?.file.chunks?.[0]?.sha256;
  if (address === undefined) throw new Error('the file has a chunk');
  return address;
}

async function storedChunks(store: FileSystemBackupStore): Promise<string[]> {
  return (await listAll(store, 'chunks/1/')).map((entry) => entry.key.split('/').at(-1) ?? '').sort();
}

async function backup(
  store: FileSystemBackupStore,
  checkpointId: number,
  chunked: readonly ChunkedFile[],
  clock: ManualClock,
  wait?: (ms: number) => Promise<void>,
) {
  const options = { codec: 'gzip' as const, formatVersion: 2 as const, ...(wait === undefined ? {} : { wait }) };
  return uploadChunkedBackup(
    store,
    backupId(checkpointId),
    descriptor({ partitionCount: 1 }),
    () => Promise.resolve(chunked),
    clock,
    options,
  );
}

interface Setup {
  readonly directory: string;
  readonly store: FileSystemBackupStore;
  readonly clock: ManualClock;
}

async function setup(): Promise<Setup> {
  const directory = await freshDirectory();
  return { directory, store: new FileSystemBackupStore(join(directory, 'store')), clock: new ManualClock(1_700_000_000_000) };
}

/** A store whose backup 1 held one chunk and was deleted: the chunk is an orphan. */
async function withOrphan(content: string): Promise<Setup & { orphan: ChunkedFile }> {
  const context = await setup();
  const [orphan] = await files(context.directory, [content]);
  await backup(context.store, 1, [orphan!], context.clock);
  await updateManifest(context.store, backupId(1), 'DELETED', context.clock);
  return { ...context, orphan: orphan! };
}

/** A collection record as a collector that is not this test's left it. */
function recordOf(
  clock: ManualClock,
  fields: { collectorId: string; condemned: readonly string[]; owner?: string; incarnation?: string },
): Buffer {
  return Buffer.from(
    JSON.stringify({
      formatVersion: 1,
      partitionId: 1,
      startedAt: new Date(clock.nowMs()).toISOString(),
      leaseMs: chunkCollectionLeaseMs,
      ...fields,
    }),
  );
}

describe('chunk collection', () => {
  it('frees the chunks only deleted and failed backups used, and keeps every chunk a live manifest references', async () => {
    const { directory, store, clock } = await setup();
    const [a, shared, b] = await files(directory, ['a', 'shared', 'b']);
    await backup(store, 1, [a!, shared!], clock);
    await backup(store, 2, [shared!, b!], clock);
    expect(await storedChunks(store)).toEqual([addressOf(a), addressOf(shared), addressOf(b)].sort());
    await updateManifest(store, backupId(1), 'DELETED', clock);
    const result = await collectChunks(store, 1, { clock });
    expect(result).toMatchObject({ ran: true, chunksDeleted: 1, chunksKept: 2 });
    expect(await storedChunks(store)).toEqual([addressOf(shared), addressOf(b)].sort());
    expect(await listAll(store, 'collections/')).toEqual([]);
    // A second run finds nothing more to free.
    expect(await collectChunks(store, 1, { clock })).toMatchObject({ ran: true, chunksDeleted: 0 });
  });

  it('keeps the chunks of a backup still IN_PROGRESS, from its intent on', async () => {
    const { store, clock, orphan } = await withOrphan('orphan');
    // Backup 2 has claimed its id and written its intent (W1, W2), referencing the chunk, and stops there.
    await createManifest(store, newManifest(backupId(2), descriptor({ partitionCount: 1 }), clock, 2));
    await updateManifest(store, backupId(2), 'IN_PROGRESS', clock, { files: [orphan.file] });
    expect(await collectChunks(store, 1, { clock })).toMatchObject({ ran: true, chunksDeleted: 0, chunksKept: 1 });
    // Once it failed, nothing references the chunk any more.
    await updateManifest(store, backupId(2), 'FAILED', clock, { failureReason: 'stopped' });
    expect(await collectChunks(store, 1, { clock })).toMatchObject({ ran: true, chunksDeleted: 1, chunksKept: 0 });
  });

  it('makes a backup that reuses a chunk condemned after the second listing wait, then upload it again', async () => {
    const { store, clock, orphan: reused } = await withOrphan('reused');
    const waits: number[] = [];
    let writer: Promise<unknown> | undefined;
    const result = await collectChunks(store, 1, {
      clock,
      onStep: async (step) => {
        if (step !== 'rechecked') return;
        // The collector has listed the references for the last time; now a backup decides to reuse the chunk.
        const wait = (ms: number): Promise<void> => {
          waits.push(ms);
          return new Promise((resolve) => setTimeout(resolve, 5));
        };
        writer = backup(store, 2, [reused], clock, wait);
        await eventually(() => waits.length > 0, 5);
        expect((await readManifest(store, backupId(2))).files).toHaveLength(1);
      },
    });
    expect(result.chunksDeleted).toBe(1);
    await writer;
    expect(waits.length).toBeGreaterThan(0);
    const manifest = await readManifest(store, backupId(2));
    expect(manifest.status).toBe('COMPLETED');
    // The writer found its chunk gone after the collection and uploaded it again.
    expect(manifest.addedBytes).toBeGreaterThan(0);
    expect(await storedChunks(store)).toEqual([addressOf(reused)]);
  });

  it('lets one collection run at a time, and takes over the record of one that died', async () => {
    const { store, clock, orphan } = await withOrphan('orphan');
    await store.put(collectionRecordKey(1), recordOf(clock, { collectorId: 'dead', condemned: [addressOf(orphan)] }));
    expect(await collectChunks(store, 1, { clock })).toMatchObject({ ran: false });
    expect(await storedChunks(store)).toHaveLength(1);
    clock.advance(2 * chunkCollectionLeaseMs);
    expect(await collectChunks(store, 1, { clock })).toMatchObject({ ran: true, chunksDeleted: 1 });
    expect(await readCollectionRecord(store, 1)).toBeUndefined();
  });

  it("takes over at once the record its owner left in an earlier process, and leaves other owners' records to their lease", async () => {
    const { store, clock } = await withOrphan('orphan');
    const left = (owner: string, incarnation: string): Buffer => recordOf(clock, { collectorId: 'x', condemned: [], owner, incarnation });
    const identity = { owner: 'host:/data', incarnation: 'now' };
    await store.put(collectionRecordKey(1), left('other-host:/data', 'before'));
    expect(await collectChunks(store, 1, { clock, identity })).toMatchObject({ ran: false });
    await store.put(collectionRecordKey(1), left('host:/data', 'now'));
    expect(await collectChunks(store, 1, { clock, identity })).toMatchObject({ ran: false });
    await store.put(collectionRecordKey(1), left('host:/data', 'before'));
    expect(await collectChunks(store, 1, { clock, identity })).toMatchObject({ ran: true, chunksDeleted: 1 });
  });

  it('fails a backup with CHUNK_COLLECTION_BUSY when a record condemning its chunk does not go away', async () => {
    const { directory, store, clock } = await setup();
    const [chunk] = await files(directory, ['chunk']);
    await store.put(collectionRecordKey(1), recordOf(clock, { collectorId: 'stuck', condemned: [addressOf(chunk)] }));
    const wait = (ms: number): Promise<void> => {
      clock.advance(ms);
      return Promise.resolve();
    };
    const error = await expectCode(backup(store, 1, [chunk!], clock, wait), 'CHUNK_COLLECTION_BUSY');
    expect(error.message).toMatch(
      /^partition 1: a chunk collection condemns chunks this backup reuses, and it did not finish within \d+ ms$/,
    );
    expect((await readManifest(store, backupId(1))).status).toBe('FAILED');
    expect(await listAll(store, 'chunks/')).toEqual([]);
    expect(chunkKey(1, addressOf(chunk))).toMatch(/^chunks\/1\//);
  });
});
