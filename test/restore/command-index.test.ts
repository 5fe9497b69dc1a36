// Format v3 command indexes end to end: written by the backup manager, used by restore's cross-partition check, recomputed by verify-backup.
import { beforeEach, describe, expect, it } from 'vitest';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { isCutlineError } from '../../src/errors.js';
import { commandIndexEntryBytes, commandIndexHeaderBytes, readCommandIndex } from '../../src/backup/command-index.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { rewriteAsVersion2 } from '../support/format-v1.js';
import { StoreCopy, type FileRef } from '../fuzz/store-copy.js';
import { produceEngineBackup, type EngineBackup } from './engine-backup.js';
import { entriesOf, planFromStore, restore } from './restore-helpers.js';

const directory = temporaryDirectories('command-index');
let root: string;
let store: FileSystemBackupStore;
let backup: EngineBackup;

beforeEach(async () => {
  root = await directory();
  store = new FileSystemBackupStore(root);
  backup = await produceEngineBackup(store, { seed: 41, partitionCount: 3, checkpointId: 1 });
});

async function restoreError(): Promise<{ code: string | undefined; target: string }> {
  const target = join(await directory(), 'data');
  const error = await planFromStore(store, 1)
    .then((plan) => restore(plan, store, target))
    .then(
      () => undefined,
      (caught: unknown) => caught,
    );
  return { code: isCutlineError(error) ? error.code : String(error), target };
}

async function findingCodes(): Promise<string[]> {
  return (await verifyBackup(store, 1, { level: 'full' })).findings.map((finding) => finding.code);
}

/** Partition 1's first command index, whose first entry lies before the cut (checked, not truncated away), and its bytes. */
async function firstIndex(copy: StoreCopy): Promise<{ ref: FileRef; bytes: Buffer }> {
  const refs = (await copy.fileRefs()).filter((ref) => ref.partitionId === 1 && ref.path.startsWith('commands/'));
  const ref = refs.sort((left, right) => left.path.localeCompare(right.path))[0];
  const bytes = ref === undefined ? undefined : await copy.fileBytes(ref);
  if (ref === undefined || bytes === undefined) throw new Error('partition 1 has a command index');
  const cut = backup.manifests.find((manifest) => manifest.id.partitionId === 1)?.descriptor.checkpointPosition ?? 0;
  const [first] = readCommandIndex(bytes, ref.path, { firstPosition: 1, lastPosition: Number.MAX_SAFE_INTEGER });
  expect(first?.position).toBeLessThan(cut);
  return { ref, bytes };
}

describe('command indexes (format v3)', () => {
  it('are written for every segment, and give restore the same command checks as the records of a v2 backup', async () => {
    for (const manifest of backup.manifests) {
      expect(manifest.formatVersion).toBe(3);
      const segments = manifest.files.filter((file) => file.path.startsWith('segments/')).length;
      expect(manifest.files.filter((file) => file.path.startsWith('commands/')).length).toBe(segments);
    }
    const { bytes } = await firstIndex(new StoreCopy(root, 'v2'));
    expect(readCommandIndex(bytes, 'index', { firstPosition: 1, lastPosition: Number.MAX_SAFE_INTEGER }).length).toBeGreaterThan(0);
    expect(await findingCodes()).toEqual([]);
    const fromIndexes = await restore(await planFromStore(store, 1), store, join(await directory(), 'data'));
    expect(fromIndexes.consistency?.commandsChecked).toBeGreaterThan(0);
    // The same backup without its indexes (format v2): restore reads the commands from the records.
    const v2Root = await directory();
    await cp(root, v2Root, { recursive: true });
    const v2Store = new FileSystemBackupStore(v2Root);
    await rewriteAsVersion2(v2Store, 1);
    const fromRecords = await restore(await planFromStore(v2Store, 1), v2Store, join(await directory(), 'data'));
    expect(fromRecords.consistency).toEqual(fromIndexes.consistency);
    expect(fromRecords.partitions).toEqual(fromIndexes.partitions);
  });

  it('an entry whose send lies after its sender cut: restore refuses it as inconsistent, verify reports the mismatch', async () => {
    const copy = new StoreCopy(root, 'v2');
    const { ref, bytes } = await firstIndex(copy);
    const changed = Buffer.from(bytes);
    // The first entry's source position (bytes 8..15 of the entry) far beyond any cut.
    changed.writeBigUInt64LE(2n ** 40n, commandIndexHeaderBytes + 8);
    await copy.setFileBytes(ref, changed, 'file');
    const { code, target } = await restoreError();
    expect(code).toBe('RESTORE_INCONSISTENT');
    expect(await entriesOf(target)).toBeUndefined();
    expect(await findingCodes()).toEqual(['COMMAND_INDEX_MISMATCH']);
  });

  it('an index that is not well formed: restore refuses it, verify reports it', async () => {
    const copy = new StoreCopy(root, 'v2');
    const { ref, bytes } = await firstIndex(copy);
    const cases: [string, Buffer][] = [
      ['magic', Buffer.concat([Buffer.from('XXXX'), bytes.subarray(4)])],
      ['a partial entry', bytes.subarray(0, bytes.length - 1)],
      ['entries out of order', swapFirstEntries(bytes)],
      ['a reserved byte', withByte(bytes, commandIndexHeaderBytes + 30, 1)],
    ];
    for (const [what, changed] of cases) {
      await copy.setFileBytes(ref, changed, 'file');
      expect((await restoreError()).code, what).toBe('COMMAND_INDEX_INVALID');
      expect(await findingCodes(), what).toEqual(['COMMAND_INDEX_INVALID']);
    }
  });

  it('an entry left out: restore cannot see it (the index is trusted, as the frames are), verify reports it', async () => {
    const copy = new StoreCopy(root, 'v2');
    const { ref, bytes } = await firstIndex(copy);
    const shorter = Buffer.concat([
      bytes.subarray(0, commandIndexHeaderBytes),
      bytes.subarray(commandIndexHeaderBytes + commandIndexEntryBytes),
    ]);
    await copy.setFileBytes(ref, shorter, 'file');
    expect(await findingCodes()).toEqual(['COMMAND_INDEX_MISMATCH']);
  });
});

function swapFirstEntries(bytes: Buffer): Buffer {
  const first = bytes.subarray(commandIndexHeaderBytes, commandIndexHeaderBytes + commandIndexEntryBytes);
  const second = bytes.subarray(commandIndexHeaderBytes + commandIndexEntryBytes, commandIndexHeaderBytes + 2 * commandIndexEntryBytes);
  return Buffer.concat([
    bytes.subarray(0, commandIndexHeaderBytes),
    second,
    first,
    bytes.subarray(commandIndexHeaderBytes + 2 * commandIndexEntryBytes),
  ]);
}

function withByte(bytes: Buffer, at: number, value: number): Buffer {
  const changed = Buffer.from(bytes);
  changed[at] = value;
  return changed;
}
