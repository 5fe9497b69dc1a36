// Turns a backup into what an earlier cutline wrote (store format v1), so the tests keep reading and restoring that format.
import { contentKey, manifestKey } from '../../src/backup/backup-layout.js';
import { readBackupFileBytes } from '../../src/backup/backup-file.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { serializeManifest, type Manifest } from '../../src/backup/manifest.js';
import type { BackupStore } from '../../src/store/backup-store.js';

/** Rewrites every partition's backup `backupId` in format v1: its files as objects under contents/, its manifest without chunks. */
export async function rewriteAsVersion1(store: BackupStore, backupId: number): Promise<void> {
  for (const manifest of await listBackupManifests(store, backupId)) {
    for (const file of manifest.files)
      await store.put(contentKey(manifest.id, file.path), await readBackupFileBytes(store, manifest.id, file));
    const { addedBytes: _added, ...rest } = manifest;
    const v1: Manifest = {
      ...rest,
      formatVersion: 1,
      files: manifest.files.map(({ path, sizeBytes, sha256 }) => ({ path, sizeBytes, sha256 })),
    };
    await store.put(manifestKey(manifest.id), serializeManifest(v1));
  }
}
