// Turns a backup into what an earlier cutline wrote (store formats v1 and v2), so the tests keep reading and restoring those formats.
import { contentKey, manifestKey } from '../../src/backup/backup-layout.js';
import { readBackupFileBytes } from '../../src/backup/backup-file.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { serializeManifest, type Manifest } from '../../src/backup/manifest.js';
import type { BackupStore } from '../../src/store/backup-store.js';

/** Rewrites every partition's backup `backupId` in format v1: its files as objects under contents/, its manifest without chunks. */
export async function rewriteAsVersion1(store: BackupStore, backupId: number): Promise<void> {
  for (const manifest of await listBackupManifests(store, backupId)) {
    const files = withoutCommandIndexes(manifest);
    for (const file of files) await store.put(contentKey(manifest.id, file.path), await readBackupFileBytes(store, manifest.id, file));
    const { addedBytes: _added, ...rest } = manifest;
    const v1: Manifest = {
      ...rest,
      formatVersion: 1,
      files: files.map(({ path, sizeBytes, sha256 }) => ({ path, sizeBytes, sha256 })),
    };
    await store.put(manifestKey(manifest.id), serializeManifest(v1));
  }
}

/** Rewrites every partition's backup `backupId` in format v2: the same chunks, without the command indexes of v3. */
export async function rewriteAsVersion2(store: BackupStore, backupId: number): Promise<void> {
  for (const manifest of await listBackupManifests(store, backupId)) {
    const v2: Manifest = { ...manifest, formatVersion: 2, files: withoutCommandIndexes(manifest) };
    await store.put(manifestKey(manifest.id), serializeManifest(v2));
  }
}

/** A manifest's files without the command indexes (format v3), which earlier formats do not have. */
export function withoutCommandIndexes(manifest: Manifest): Manifest['files'] {
  return manifest.files.filter((file) => !file.path.startsWith('commands/'));
}
