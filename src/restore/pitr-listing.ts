// What a point-in-time restore reads from the store before planning: every manifest, and each partition's checkpoints from metadata.json.
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { manifestsPrefix, parseManifestKey, type BackupId } from '../backup/backup-layout.js';
import { readManifest } from '../backup/manifest-store.js';
import type { Manifest } from '../backup/manifest.js';
import { readPartitionMetadata } from '../backup/backup-metadata.js';
import type { RangeCheckpoint } from '../protocol/ranges.js';

export interface PointInTimeListing {
  readonly manifests: readonly Manifest[];
  readonly checkpoints: ReadonlyMap<number, readonly RangeCheckpoint[]>;
}

/**
 * Lists the manifests once and reads each, then reads metadata.json of every partition they name.
 * The manifests stay the source of truth for backups; metadata.json adds the MARKER checkpoints,
 * which no manifest records (a partition without metadata.json restores only to its backups' checkpoints).
 */
export async function readPointInTimeListing(store: BackupStore, options: StoreCallOptions = {}): Promise<PointInTimeListing> {
  const ids: BackupId[] = [];
  for await (const entry of store.list(manifestsPrefix, options)) {
    const id = parseManifestKey(entry.key);
    if (id !== undefined) ids.push(id);
  }
  const manifests: Manifest[] = [];
  for (const id of ids) manifests.push(await readManifest(store, id, options));
  const checkpoints = new Map<number, readonly RangeCheckpoint[]>();
  for (const partitionId of new Set(manifests.map((manifest) => manifest.id.partitionId))) {
    const metadata = await readPartitionMetadata(store, partitionId, options);
    if (metadata !== undefined) checkpoints.set(partitionId, metadata.checkpoints);
  }
  return { manifests, checkpoints };
}
