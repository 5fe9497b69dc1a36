// Deleting a backup: every partition's manifest becomes DELETED first, then its contents are removed; the id stays used.
import type { Clock } from '../clock.js';
import { CutlineError } from '../errors.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { listAll } from '../store/backup-store.js';
import { contentsKeyPrefix } from './backup-layout.js';
import type { Manifest } from './manifest.js';
import { listBackupManifests, updateManifest } from './manifest-store.js';

/**
 * Deletes backup `backupId` on every partition (FORMAT.md, "Deletion"). Refused with BACKUP_IN_PROGRESS
 * while any partition is still writing it (an IN_PROGRESS manifest, or `busyPartitionIds` from the
 * running manager). Repeating a deletion finishes an interrupted one. Returns the DELETED manifests.
 */
export async function deleteBackup(
  store: BackupStore,
  backupId: number,
  clock: Clock,
  busyPartitionIds: readonly number[] = [],
  options: StoreCallOptions = {},
): Promise<Manifest[]> {
  const manifests = await listBackupManifests(store, backupId, options);
  const busy = [...new Set([...manifests.filter((manifest) => manifest.status === 'IN_PROGRESS').map((manifest) => manifest.id.partitionId), ...busyPartitionIds])];
  if (busy.length > 0) {
    throw new CutlineError('BACKUP_IN_PROGRESS', `backup ${backupId} is still being taken on partition(s) ${busy.sort((a, b) => a - b).join(', ')}`, {
      hint: 'Wait until its status is COMPLETED or FAILED, then delete it.',
    });
  }
  const deleted: Manifest[] = [];
  for (const manifest of manifests) {
    deleted.push(manifest.status === 'DELETED' ? manifest : await updateManifest(store, manifest.id, 'DELETED', clock, {}, options));
  }
  for (const manifest of deleted) {
    for (const entry of await listAll(store, contentsKeyPrefix(manifest.id), options)) await store.delete(entry.key, options);
  }
  return deleted;
}
