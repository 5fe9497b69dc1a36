// The store wrappers: a retrying store over a faulty one still keeps the whole contract; faults replay from a seed.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SeededRandom } from '../../src/random.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { FaultInjectingBackupStore } from '../support/fault-injecting-backup-store.js';
import { RetryingBackupStore } from '../../src/store/retrying-backup-store.js';
import { getBytes, listAll } from '../../src/store/backup-store.js';
import { ManualClock } from '../../src/clock.js';
import { uploadBackup } from '../../src/backup/manifest-store.js';
import { exportBackup } from '../../src/backup/archive.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { describeBackupStoreContract, expectCode, streamBody } from './backup-store.case.js';
import { descriptor, fileSource } from '../backup/manifest-fixture.js';

const freshDirectory = temporaryDirectories('wrappers');

const noWait = (): Promise<void> => Promise.resolve();
let seed = 0;

describeBackupStoreContract('RetryingBackupStore over a store that fails 30% of calls and breaks 30% of reads', async () => {
  seed += 1;
  const faulty = new FaultInjectingBackupStore(
    new FileSystemBackupStore(await freshDirectory()),
    new SeededRandom(seed),
    { failProbability: 0.3, breakReadProbability: 0.3 },
    noWait,
  );
  return { store: new RetryingBackupStore(faulty, new SeededRandom(seed + 1000), 30, noWait), atomicCreateOnly: true };
});

describe('FaultInjectingBackupStore', () => {
  async function faultsOf(runSeed: number): Promise<string[]> {
    const store = new FaultInjectingBackupStore(new FileSystemBackupStore(await freshDirectory()), new SeededRandom(runSeed), {
      failProbability: 0.5,
      delayMsMax: 2,
    });
    for (let index = 0; index < 20; index++) await store.put(`k/${index}`, Buffer.from('x')).catch(() => undefined);
    return store.faults.map((fault) => `${fault.kind} ${fault.key}`);
  }

  it('injects the same faults for the same seed, and others for another seed', async () => {
    const first = await faultsOf(7);
    expect(await faultsOf(7)).toEqual(first);
    expect(await faultsOf(8)).not.toEqual(first);
    expect(first.filter((fault) => fault.startsWith('fail')).length).toBeGreaterThan(0);
  });

  it('corrupts reads so that the manifest checksum catches them', async () => {
    const inner = new FileSystemBackupStore(await freshDirectory());
    await uploadBackup(
      inner,
      { partitionId: 1, checkpointId: 1, nodeId: 0 },
      descriptor({ partitionCount: 1 }),
      [fileSource('segments/1.log', 'records'.repeat(100))],
      new ManualClock(0),
    );
    const faulty = new FaultInjectingBackupStore(inner, new SeededRandom(3), {
      corruptProbability: 1,
      operations: ['get'],
      keyPrefix: 'contents/',
    });
    const corrupted = await getBytes(faulty, 'contents/1/1/0/segments/1.log');
    expect(corrupted.equals(await getBytes(inner, 'contents/1/1/0/segments/1.log'))).toBe(false);
    expect(corrupted.length).toBe(700);
    await expectCode(exportBackup(faulty, 1, join(await freshDirectory(), 'x.tar')), 'ARCHIVE_CHECKSUM');
  });

  it('loses writes silently, which only reading back reveals', async () => {
    const faulty = new FaultInjectingBackupStore(new FileSystemBackupStore(await freshDirectory()), new SeededRandom(1), {
      loseWriteProbability: 1,
    });
    await faulty.put('lost', Buffer.from('x'));
    expect(await faulty.head('lost')).toBeUndefined();
    expect(faulty.faults).toEqual([{ operation: 'put', key: 'lost', kind: 'lose-write' }]);
  });
});

describe('RetryingBackupStore', () => {
  it('re-opens a stream body for each attempt and gives up after its attempts', async () => {
    const faulty = new FaultInjectingBackupStore(new FileSystemBackupStore(await freshDirectory()), new SeededRandom(1));
    const retrying = new RetryingBackupStore(faulty, new SeededRandom(2), 3, noWait);
    let opens = 0;
    const body = streamBody(Buffer.from('payload'));
    const broken = (): Readable =>
      Readable.from(
        (async function* () {
          yield Buffer.from('pay');
          await Promise.resolve();
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        })(),
      );
    faulty.failNextCalls('put', 1);
    // The first put fails before reading; the second reads half and breaks; the third succeeds.
    await retrying.put('k', { sizeBytes: body.sizeBytes, open: () => ((opens += 1), opens === 1 ? broken() : body.open()) });
    expect(opens).toBe(2);
    expect((await getBytes(retrying, 'k')).toString()).toBe('payload');
    faulty.failNextCalls('head', 3);
    await expectCode(retrying.head('k'), 'STORE_UNAVAILABLE');
  });

  it('resumes a download that breaks off, from the byte it reached', async () => {
    const inner = new FileSystemBackupStore(await freshDirectory());
    const bytes = Buffer.alloc(200_000, 0);
    for (let index = 0; index < bytes.length; index++) bytes[index] = index % 253;
    await inner.put('big', bytes);
    const faulty = new FaultInjectingBackupStore(inner, new SeededRandom(5), { breakReadProbability: 0.7, operations: ['get'] });
    const retrying = new RetryingBackupStore(faulty, new SeededRandom(6), 50, noWait);
    for (let run = 0; run < 5; run++) {
      expect(
        (await getBytes(retrying, 'big', { range: { offsetBytes: 10, lengthBytes: 150_000 } })).equals(bytes.subarray(10, 150_010)),
      ).toBe(true);
    }
    expect(faulty.faults.filter((fault) => fault.kind === 'break-read').length).toBeGreaterThan(0);
    expect(await listAll(retrying, '')).toMatchObject([{ key: 'big', sizeBytes: 200_000 }]);
  });
});

describe('a broken read that happens before the reader starts', () => {
  it('reaches the late reader as its error instead of crashing the process', async () => {
    const inner = new FileSystemBackupStore(await freshDirectory());
    await inner.put('late/object', Buffer.alloc(64 * 1024, 7), {});
    const faulty = new FaultInjectingBackupStore(inner, new SeededRandom(7), { breakReadProbability: 1, operations: ['get'] });
    const stream = await faulty.get('late/object', {});
    // The wrapper pumps the source and breaks it while nobody reads yet.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(async () => {
      for await (const chunk of stream) void chunk;
    }).rejects.toThrow(/connection was reset/);
  });
});
