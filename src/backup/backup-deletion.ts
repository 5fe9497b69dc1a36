// Deleting a backup: every partition's manifest becomes DELETED first, then its contents are removed; the id stays used.
import type { Clock } from '../clock.js';
import { CutlineError } from '../errors.js';
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { listAll } from '../store/backup-store.js';
import { contentsKeyPrefix } from './backup-layout.js';
import { isChunked, type Manifest } from './manifest.js';
import { listBackupManifests, updateManifest } from './manifest-store.js';
import { collectChunks, type CollectorIdentity } from './chunk-collection.js';

export interface DeleteOptions extends StoreCallOptions {
  /** Run a chunk collection of each partition of a format v2 backup afterwards (default true; retention collects once per run instead). */
  readonly collect?: boolean;
  /** Who collects (the engine's backup manager: BackupManager.collectorIdentity). */
  readonly collector?: CollectorIdentity;
}

/**
 * Deletes backup `backupId` on every partition (FORMAT.md, "Deletion"). Refused with BACKUP_IN_PROGRESS
 * while any partition is still writing it (an IN_PROGRESS manifest, or `busyPartitionIds` from the
 * running manager). Repeating a deletion finishes an interrupted one. The chunks of a v2 backup are
 * freed by a chunk collection of its partitions, which keeps every chunk another backup references.
 * Returns the DELETED manifests.
 */
export async function deleteBackup(
  store: BackupStore,
  backupId: number,
  clock: Clock,
  busyPartitionIds: readonly number[] = [],
  options: DeleteOptions = {},
): Promise<Manifest[]> {
  const manifests = await listBackupManifests(store, backupId, options);
  const busy = [
    ...new Set([
      ...manifests.filter((manifest) => manifest.status === 'IN_PROGRESS').map((manifest) => manifest.id.partitionId),
      ...busyPartitionIds,
    ]),
  ];
  if (busy.length > 0) {
    throw new CutlineError(
      'BACKUP_IN_PROGRESS',
      `backup ${backupId} is still being taken on partition(s) ${busy.sort((a, b) => a - b).join(', ')}`,
      {
        hint: 'Wait until its status is COMPLETED or FAILED, then delete it.',
      },
    );
  }
  const deleted: Manifest[] = [];
  for (const manifest of manifests) {
    deleted.push(
      manifest.status === 'DELETED'
        ? manifest
        : await updateManifest(
            store,
            manifest.id,
            'DELETED',
            clock,
            {},
            { ...(options.signal === undefined ? {} : { signal: options.signal }) },
          ),
    );
  }
  const call = options.signal === undefined ? {} : { signal: options.signal };
  for (const manifest of deleted) {
    for (const entry of await listAll(store, contentsKeyPrefix(manifest.id), call)) await store.delete(entry.key, call);
  }
  if (options.collect !== false) {
    const chunked = new Set(deleted.filter(isChunked).map((manifest) => manifest.id.partitionId));
    for (const partitionId of chunked)
      await collectChunks(store, partitionId, {
        ...call,
        clock,
        ...(options.collector === undefined ? {} : { identity: options.collector }),
      });
  }
  return deleted;
}
