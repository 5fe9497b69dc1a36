// The restore executor against the real filesystem store, with a backup of a real engine: state, resume, failures.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdir, open, readFile, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { FaultInjectingBackupStore } from '../support/fault-injecting-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { CutlineError, isCutlineError } from '../../src/errors.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import { completionMarkerName, stagingDirectoryName } from '../../src/restore/restore-layout.js';
import type { RestorePlan } from '../../src/restore/restore-plan.js';
import { restoreIdentity } from '../../src/restore/restore-target.js';
import { listingDigest, planDigest } from '../../src/restore/staging-proof.js';
import { openTestCluster } from '../engine/helpers.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { produceEngineBackup, settle, type EngineBackup } from './engine-backup.js';
import { entriesOf, planFromStore, restore } from './restore-helpers.js';
import { rewriteAsVersion1 } from '../support/format-v1.js';

const directory = temporaryDirectories('restore-executor');
let store: FileSystemBackupStore;
let storeDirectory: string;
let backup: EngineBackup;
let plan: RestorePlan;

beforeAll(async () => {
  storeDirectory = await directory();
  store = new FileSystemBackupStore(storeDirectory);
  backup = await produceEngineBackup(store, { seed: 11, partitionCount: 3 });
  plan = await planFromStore(store, backup.checkpointId);
});

async function freshTarget(): Promise<string> {
  return join(await directory(), 'data');
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isCutlineError(error) ? error.code : error).toBe(code);
  return error as Error;
}

/** last_written_position says where follow-ups landed in the log; the replay writes cut-off ones again after the cut. */
function withoutLastWritten(dump: Record<string, unknown[]>): Record<string, unknown[]> {
  return {
    ...dump,
    partition_state: (dump.partition_state ?? []).map((row) => ({ ...(row as object), last_written_position: 'not compared' })),
  };
}

describe('restore of a real engine backup (filesystem store)', () => {
  it('rebuilds the state the engine had at the cut, and the engine resumes: in-transit commands are re-sent', async () => {
    const target = await freshTarget();
    const result = await restore(plan, store, target);
    expect(result.status).toBe('restored');
    expect(result.consistency?.commandsChecked).toBeGreaterThan(0);
    expect(await entriesOf(target)).toEqual([completionMarkerName, 'engine.json', 'partitions']);
    const marker = JSON.parse(await readFile(join(target, completionMarkerName), 'utf8')) as {
      backupId: number;
      cuts: Record<string, number>;
    };
    expect(marker.backupId).toBe(backup.checkpointId);
    const running = openTestCluster(99, { dataDirectory: target, partitionCount: 3 });
    try {
      for (const partition of running.cluster.partitions()) {
        const cut = backup.cuts.get(partition.partitionId);
        expect(marker.cuts[String(partition.partitionId)]).toBe(cut?.position);
        expect(withoutLastWritten(partition.dumpState())).toEqual(withoutLastWritten(cut?.state ?? {}));
      }
      const waitingAtCut = [...backup.cuts.values()]
        .flatMap((cut) => (cut.state.instances ?? []) as { state: string }[])
        .filter((row) => row.state !== 'COMPLETED');
      expect(waitingAtCut.length).toBeGreaterThan(0);
      settle(running);
      const instances = running.cluster.partitions().flatMap((partition) => (partition.dumpState().instances ?? []) as { state: string }[]);
      expect(instances.length).toBeGreaterThan(0);
      expect(instances.filter((row) => row.state !== 'COMPLETED')).toEqual([]);
    } finally {
      running.cluster.close();
    }
  });

  it('recognises a completed restore and changes nothing', async () => {
    const target = await freshTarget();
    await restore(plan, store, target);
    const before = await readFile(join(target, completionMarkerName), 'utf8');
    const again = await restore(plan, store, target);
    expect(again.status).toBe('already-restored');
    expect(await readFile(join(target, completionMarkerName), 'utf8')).toBe(before);
  });

  it('refuses a data directory that is not empty, naming what is in it, but ignores lost+found', async () => {
    const target = await freshTarget();
    await mkdir(join(target, 'lost+found'), { recursive: true });
    await writeFile(join(target, 'notes.txt'), 'keep me');
    const error = await expectCode(restore(plan, store, target), 'RESTORE_TARGET_NOT_EMPTY');
    expect(error.message).toContain('notes.txt');
    expect(error.message).not.toContain('lost+found');
    expect(await entriesOf(target)).toEqual(['lost+found', 'notes.txt']);
    const mountPoint = await freshTarget();
    await mkdir(join(mountPoint, 'lost+found'), { recursive: true });
    expect((await restore(plan, store, mountPoint)).status).toBe('restored');
  });

  it('refuses a data directory holding a restore of another backup', async () => {
    const target = await freshTarget();
    await restore(plan, store, target);
    const other: RestorePlan = { ...plan, target: { kind: 'backupId', backupId: 9 } };
    const error = await expectCode(restore(other, store, target), 'RESTORE_TARGET_NOT_EMPTY');
    expect(error.message).toContain('completed restore of backup 1');
  });

  it('fails on a corrupted chunk with the chunk error and leaves the target as found', async () => {
    const corrupting = new FaultInjectingBackupStore(store, new SeededRandom(3), {
      corruptProbability: 1,
      operations: ['get'],
      keyPrefix: 'chunks/2/',
    });
    const absent = await freshTarget();
    const error = await expectCode(restore(plan, corrupting, absent), 'CHUNK_CORRUPT');
    expect(error.message).toMatch(/^chunk chunks\/2\/[0-9a-f]{2}\/[0-9a-f]{64} \(of partitions\/2\/\S+\) /);
    expect(existsSync(absent)).toBe(false);
    const empty = await freshTarget();
    await mkdir(empty, { recursive: true });
    await expectCode(restore(plan, corrupting, empty), 'CHUNK_CORRUPT');
    expect(await entriesOf(empty)).toEqual([]);
  });

  it('refuses a restore its filesystem has no room for before downloading anything, leaving the target as found', async () => {
    const absent = await freshTarget();
    const tooSmall = (path: string): Promise<number> => {
      expect(path).toBe(absent);
      return Promise.resolve(plan.totalBytes - 1);
    };
    const error = await expectCode(restore(plan, store, absent, { freeBytesOf: tooSmall }), 'RESTORE_TARGET_SPACE');
    expect(error.message).toBe(
      `the restore writes ${plan.totalBytes} bytes into ${absent}, but its filesystem has ${plan.totalBytes - 1} bytes free`,
    );
    expect(existsSync(absent)).toBe(false);
    const exact = await freshTarget();
    expect((await restore(plan, store, exact, { freeBytesOf: () => Promise.resolve(plan.totalBytes) })).status).toBe('restored');
  });

  it('fails with RESTORE_TARGET_SPACE when the disk fills up during the download, leaving the target as found', async () => {
    // The space check passes (another writer may fill the disk meanwhile); then the third write fails.
    const probe = await open(join(await directory(), 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with apply, on the handle written to
    const realWritev = fileHandle.writev;
    let writes = 0;
    const full = vi.spyOn(fileHandle, 'writev').mockImplementation(function (this: FileHandle, ...args: Parameters<FileHandle['writev']>) {
      writes += 1;
      if (writes < 3) return realWritev.apply(this, args);
      return Promise.reject(
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }),
      );
    });
    // A format v1 copy behind a store without copyToFile, so the restore writes every byte itself on this
    // thread (a v2 chunk is written by a check thread: file-check-pool.test.ts fills /dev/full with one).
    const copyDirectory = await directory();
    await cp(storeDirectory, copyDirectory, { recursive: true });
    const version1 = new FileSystemBackupStore(copyDirectory);
    await rewriteAsVersion1(version1, backup.checkpointId);
    const plan = await planFromStore(version1, backup.checkpointId);
    const streaming = new FaultInjectingBackupStore(version1, new SeededRandom(1));
    for (const existing of [false, true]) {
      const target = await freshTarget();
      if (existing) await mkdir(target);
      writes = 0;
      const error = await expectCode(restore(plan, streaming, target), 'RESTORE_TARGET_SPACE');
      expect(error.message).toContain(`ran out of space`);
      expect(existing ? await entriesOf(target) : existsSync(target)).toEqual(existing ? [] : false);
    }
    full.mockRestore();
  });

  it('fails with RESTORE_TARGET_SPACE when the disk fills up while the store copies files, leaving the target as found', async () => {
    // copy_file_range runs out of space; libuv then removes the half-written copy, under its file check.
    // The store copies whole files only for format v1 backups: a copy of the backup is rewritten in it.
    const copyDirectory = await directory();
    await cp(storeDirectory, copyDirectory, { recursive: true });
    const store = new FileSystemBackupStore(copyDirectory);
    await rewriteAsVersion1(store, backup.checkpointId);
    const plan = await planFromStore(store, backup.checkpointId);
    let copies = 0;
    const filling: BackupStore = {
      description: store.description,
      put: store.put.bind(store),
      get: store.get.bind(store),
      list: store.list.bind(store),
      head: store.head.bind(store),
      delete: store.delete.bind(store),
      copyToFile: async (key, path, options) => {
        copies += 1;
        if (copies < 2) return store.copyToFile(key, path, options);
        await unlink(path);
        const cause = Object.assign(new Error(`ENOSPC: no space left on device, copyfile -> '${path}'`), { code: 'ENOSPC' });
        throw new CutlineError('STORE_UNAVAILABLE', `could not copy ${key}: ${cause.message}`, { cause });
      },
    };
    const target = await freshTarget();
    const error = await expectCode(restore(plan, filling, target), 'RESTORE_TARGET_SPACE');
    expect(error.message).toContain('ran out of space');
    expect(existsSync(target)).toBe(false);
  });

  it('retries transient store failures and resumes broken downloads', async () => {
    // One download at a time, so the store calls (and the faults the seed draws for them) come in one order.
    const flaky = new FaultInjectingBackupStore(store, new SeededRandom(5), {
      failProbability: 0.15,
      breakReadProbability: 0.25,
      operations: ['get'],
    });
    const target = await freshTarget();
    expect((await restore(plan, flaky, target, { parallelism: 1 })).status).toBe('restored');
    expect(flaky.faults.filter((fault) => fault.kind === 'fail').length).toBeGreaterThan(0);
    expect(flaky.faults.filter((fault) => fault.kind === 'break-read').length).toBeGreaterThan(0);
  });

  it('gives up with STORE_UNAVAILABLE after five attempts in a row without progress, leaving the target as found', async () => {
    const down = new FaultInjectingBackupStore(store, new SeededRandom(1), { failProbability: 1, operations: ['get'] });
    const target = await freshTarget();
    const error = await expectCode(restore(plan, down, target), 'STORE_UNAVAILABLE');
    expect(error.message).toMatch(
      /^downloading contents\/1\/1\/0\/\S+ failed 5 times in a row without progress; the last error: injected fault: get /,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('an aborted restore leaves the target as found and can be run again', async () => {
    const target = await freshTarget();
    await mkdir(target);
    const controller = new AbortController();
    const slow = new FaultInjectingBackupStore(store, new SeededRandom(1), { delayMsMax: 5 });
    const onProgress = (progress: { filesDone: number }): void => {
      if (progress.filesDone >= 2) controller.abort();
    };
    await expectCode(restore(plan, slow, target, { signal: controller.signal, onProgress }), 'RESTORE_ABORTED');
    expect(await entriesOf(target)).toEqual([]);
    expect((await restore(plan, store, target)).status).toBe('restored');
  });

  it('a run killed while downloading leaves a stale staging directory, which the next run removes', async () => {
    const target = await freshTarget();
    await mkdir(join(target, stagingDirectoryName, 'data', 'partitions', '1'), { recursive: true });
    await writeFile(join(target, stagingDirectoryName, 'data', 'partitions', '1', 'half-a-segment'), 'x');
    expect((await restore(plan, store, target)).status).toBe('restored');
    expect(await entriesOf(target)).toEqual([completionMarkerName, 'engine.json', 'partitions']);
  });

  for (const point of ['after-commit-record', 'after-move', 'after-marker'] as const) {
    it(`a run killed ${point.replaceAll('-', ' ')} is completed by the next run`, async () => {
      const target = await freshTarget();
      const crashPoint = (at: string): void => {
        if (at === point) throw new Error(`killed ${at}`);
      };
      await expect(restore(plan, store, target, { crashPoint })).rejects.toThrow(`killed ${point}`);
      expect(await entriesOf(target)).toContain(stagingDirectoryName);
      const again = await restore(plan, store, target);
      expect(again.status).toBe(point === 'after-marker' ? 'already-restored' : 'restored');
      // Completed from the proven staging directory, not restored again from the store.
      expect(again.filesDownloaded).toBe(0);
      expect(await entriesOf(target)).toEqual([completionMarkerName, 'engine.json', 'partitions']);
    });
  }

  it('does not trust a commit record it did not write: over an empty staging data/ it restores everything', async () => {
    const target = await freshTarget();
    await mkdir(join(target, stagingDirectoryName, 'data'), { recursive: true });
    // Shaped like this restore's record, bound to this very plan, but over no data.
    const forged = {
      ...restoreIdentity(plan),
      entries: ['engine.json', 'partitions'],
      planSha256: planDigest(plan),
      dataSha256: listingDigest([]),
    };
    await writeFile(join(target, stagingDirectoryName, 'COMMIT.json'), JSON.stringify(forged));
    const result = await restore(plan, store, target);
    expect(result).toMatchObject({ status: 'restored', filesDownloaded: plan.totalFiles });
    expect(await entriesOf(target)).toEqual([completionMarkerName, 'engine.json', 'partitions']);
    expect(await entriesOf(join(target, 'partitions'))).toEqual(['1', '2', '3']);
  });

  it('does not move files added to or changed in a committed staging directory into place: it starts over', async () => {
    const clean = await freshTarget();
    await restore(plan, store, clean);
    const target = await freshTarget();
    const crashPoint = (at: string): void => {
      if (at === 'after-commit-record') throw new Error('killed');
    };
    await expect(restore(plan, store, target, { crashPoint })).rejects.toThrow('killed');
    const stagedLog = join(target, stagingDirectoryName, 'data', 'partitions', '2', 'log');
    const [segment] = (await entriesOf(stagedLog)) ?? [];
    expect(segment).toBeDefined();
    const bytes = await readFile(join(stagedLog, segment ?? ''));
    await writeFile(join(stagedLog, segment ?? ''), Buffer.alloc(bytes.length, 0x78));
    await writeFile(join(stagedLog, 'planted.log'), 'not from the backup');
    expect(await restore(plan, store, target)).toMatchObject({ status: 'restored', filesDownloaded: plan.totalFiles });
    const restoredLog = join(target, 'partitions', '2', 'log');
    expect(await entriesOf(restoredLog)).toEqual(await entriesOf(join(clean, 'partitions', '2', 'log')));
    expect(
      (await readFile(join(restoredLog, segment ?? ''))).equals(await readFile(join(clean, 'partitions', '2', 'log', segment ?? ''))),
    ).toBe(true);
  });

  it('refuses a target holding a moved entry beside a committed staging directory whose data went missing', async () => {
    const target = await freshTarget();
    const crashPoint = (at: string): void => {
      if (at === 'after-move') throw new Error('killed');
    };
    await expect(restore(plan, store, target, { crashPoint })).rejects.toThrow('killed');
    expect(await entriesOf(target)).toEqual([stagingDirectoryName, 'engine.json']);
    await rm(join(target, stagingDirectoryName, 'data', 'partitions'), { recursive: true });
    const error = await expectCode(restore(plan, store, target), 'RESTORE_TARGET_NOT_EMPTY');
    expect(error.message).toContain('holds engine.json beside a restore staging directory whose commit record does not match');
    expect(await entriesOf(target)).toEqual([stagingDirectoryName, 'engine.json']);
  });

  it('a failure after downloading (before the commit record) leaves the target as found', async () => {
    const target = await freshTarget();
    const crashPoint = (at: string): void => {
      if (at === 'after-download') throw new Error('disk full');
    };
    await expect(restore(plan, store, target, { crashPoint })).rejects.toThrow('disk full');
    expect(existsSync(target)).toBe(false);
  });
});
