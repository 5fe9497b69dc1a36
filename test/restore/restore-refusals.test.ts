// Restores that must fail: a wrong record at checkpointPosition, and cuts that are not consistent; the target is left as found.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import { ManualClock } from '../../src/clock.js';
import { isCutlineError } from '../../src/errors.js';
import { readBackupFileBytes } from '../../src/backup/backup-file.js';
import { uploadBackup } from '../../src/backup/manifest-store.js';
import type { Manifest } from '../../src/backup/manifest.js';
import type { RestorePlan } from '../../src/restore/restore-plan.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { produceEngineBackup, type EngineBackup } from './engine-backup.js';
import { entriesOf, planFromStore, restore } from './restore-helpers.js';
import type { ManifestDescriptor } from '../../src/protocol/backup-descriptor.js';
import { withoutCommandIndexes } from '../support/format-v1.js';

const directory = temporaryDirectories('restore-refusals');
let store: FileSystemBackupStore;
let backup: EngineBackup;

beforeAll(async () => {
  store = new FileSystemBackupStore(await directory());
  backup = await produceEngineBackup(store, { seed: 23, partitionCount: 3 });
});

/** Copies a backup's files and manifests under another backup id (written in format v1), changing each descriptor as told. */
async function cloneBackup(
  target: BackupStore,
  checkpointId: number,
  change: (manifest: Manifest) => Partial<ManifestDescriptor>,
): Promise<void> {
  for (const manifest of backup.manifests) {
    const sources = await Promise.all(
      withoutCommandIndexes(manifest).map(async (file) => {
        const bytes = await readBackupFileBytes(target, manifest.id, file);
        return { path: file.path, body: { sizeBytes: bytes.length, open: () => Readable.from([bytes]) } };
      }),
    );
    await uploadBackup(
      target,
      { ...manifest.id, checkpointId },
      { ...manifest.descriptor, ...change(manifest) },
      sources,
      new ManualClock(0),
    );
  }
}

async function expectRefusal(plan: RestorePlan, code: string): Promise<string> {
  const target = join(await directory(), 'data');
  const error = await restore(plan, store, target).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isCutlineError(error) ? error.code : error).toBe(code);
  expect(existsSync(target)).toBe(false);
  return (error as Error).message;
}

describe('the record at checkpointPosition', () => {
  it('must be the CHECKPOINT_CREATE of the backup id', async () => {
    await cloneBackup(store, 2, () => ({}));
    const message = await expectRefusal(await planFromStore(store, 2), 'RESTORE_CHECKPOINT_RECORD');
    // Partitions finish in parallel: whichever is checked first is the one named.
    expect(message).toMatch(
      /^partition [123]: the record at checkpointPosition \d+ is CHECKPOINT_CREATE of checkpoint 1, not the CHECKPOINT_CREATE of checkpoint 2$/,
    );
  });

  it('must be a checkpoint record at all', async () => {
    await cloneBackup(store, 3, (manifest) =>
      manifest.id.partitionId === 2 ? { checkpointPosition: manifest.descriptor.checkpointPosition + 1 } : {},
    );
    const plan = await planFromStore(store, 3);
    const position = (backup.cuts.get(2)?.position ?? 0) + 1;
    const message = await expectRefusal(
      { ...plan, partitions: plan.partitions.filter((p) => p.partitionId === 2) },
      'RESTORE_CHECKPOINT_RECORD',
    );
    expect(message).toMatch(
      new RegExp(`^partition 2: the record at checkpointPosition ${position} is [A-Z_]+, not the CHECKPOINT_CREATE of checkpoint 3$`),
    );
  });

  it('must be in the restored log', async () => {
    await cloneBackup(store, 4, (manifest) => ({
      checkpointPosition: manifest.descriptor.lastLogPosition + 5,
      lastLogPosition: manifest.descriptor.lastLogPosition + 5,
    }));
    const message = await expectRefusal(await planFromStore(store, 4), 'RESTORE_CHECKPOINT_RECORD');
    expect(message).toMatch(/^partition [123]: checkpointPosition \d+ is not in the restored log, which holds positions \d+\.\.\d+$/);
  });
});

describe('the cross-partition consistency check', () => {
  it('passes for one node of two, checking received commands against the other partition cut from its manifest', async () => {
    const plan = await planFromStore(store, 1, 0, 2);
    expect(plan.partitions.map((p) => p.partitionId)).toEqual([1, 3]);
    expect(plan.foreignCuts).toEqual([{ partitionId: 2, position: backup.cuts.get(2)?.position }]);
    const target = join(await directory(), 'data');
    const result = await restore(plan, store, target);
    expect(result.consistency?.commandsChecked).toBeGreaterThan(0);
    expect(await entriesOf(join(target, 'partitions'))).toEqual(['1', '3']);
  });

  it('fails naming both records when a command was received before the cut but sent after the sender cut', async () => {
    const plan = await planFromStore(store, 1, 0, 2);
    const message = await expectRefusal({ ...plan, foreignCuts: [{ partitionId: 2, position: 1 }] }, 'RESTORE_INCONSISTENT');
    expect(message).toMatch(
      /orphan command: partition [13] position \d+ \([A-Z_]+, cut at \d+\) was sent by partition 2 position \d+, after that partition's cut at 1/,
    );
  });

  it('counts commands from a partition without a COMPLETED backup as unchecked instead of failing', async () => {
    const plan = await planFromStore(store, 1, 0, 2);
    const target = join(await directory(), 'data');
    const result = await restore({ ...plan, foreignCuts: [], uncheckedPartitions: [2] }, store, target);
    expect(result.consistency?.commandsUnchecked).toBeGreaterThan(0);
  });
});
