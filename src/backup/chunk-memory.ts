// What a backup manager remembers of a partition's last backup (format v2), so the next one cuts the same chunk boundaries and reads only new bytes.
import type { BackupStore, StoreCallOptions } from '../store/backup-store.js';
import { parseManifestKey, partitionManifestsPrefix, type BackupId } from './backup-layout.js';
import type { StoredChunkInfo } from './chunk-upload.js';
import type { ChunkedFile, RememberedFile } from './chunking.js';
import { readManifest } from './manifest-store.js';
import { isChunked, storedChunks, type Manifest } from './manifest.js';

/** How many of the newest manifests a first backup after a start reads to find the last COMPLETED one. */
const seedManifestsMax = 8;

/**
 * One partition's memory: the files of its last COMPLETED backup (with their running hashes when this
 * process took it) and how each of its chunks is stored. Only a COMPLETED backup is remembered, so a
 * reused chunk is one a COMPLETED manifest referenced.
 */
export class ChunkMemory {
  private files = new Map<string, RememberedFile>();
  private stored = new Map<string, StoredChunkInfo>();
  private seeded = false;
  /** The checkpoint id of the backup remembered: an older backup that finishes later does not replace it. */
  private checkpointId = 0;

  file(path: string): RememberedFile | undefined {
    return this.files.get(path);
  }

  get known(): ReadonlyMap<string, StoredChunkInfo> {
    return this.stored;
  }

  /** After a COMPLETED backup: its files and chunks replace what was remembered. */
  remember(files: readonly ChunkedFile[], manifest: Manifest): void {
    if (manifest.id.checkpointId < this.checkpointId) return;
    this.checkpointId = manifest.id.checkpointId;
    this.files = new Map(files.map((file) => [file.file.path, file.remembered]));
    this.stored = storedInfo(manifest);
    this.seeded = true;
  }

  /**
   * Before the first backup of this process: the newest COMPLETED v2 manifest this node wrote for the
   * partition gives the boundaries to keep (without running hashes, so its files are read once).
   */
  async seed(store: BackupStore, id: BackupId, options: StoreCallOptions = {}): Promise<void> {
    if (this.seeded) return;
    this.seeded = true;
    const ids: BackupId[] = [];
    for await (const entry of store.list(partitionManifestsPrefix(id.partitionId), options)) {
      const found = parseManifestKey(entry.key);
      if (found !== undefined && found.nodeId === id.nodeId && found.checkpointId < id.checkpointId) ids.push(found);
    }
    ids.sort((left, right) => right.checkpointId - left.checkpointId);
    for (const candidate of ids.slice(0, seedManifestsMax)) {
      const manifest = await readManifest(store, candidate, options).catch(() => undefined);
      if (manifest?.status !== 'COMPLETED') continue;
      if (!isChunked(manifest)) return;
      this.checkpointId = manifest.id.checkpointId;
      this.files = new Map(manifest.files.map((file) => [file.path, { identity: '', file }]));
      this.stored = storedInfo(manifest);
      return;
    }
  }
}

function storedInfo(manifest: Manifest): Map<string, StoredChunkInfo> {
  const stored = new Map<string, StoredChunkInfo>();
  for (const file of manifest.files)
    for (const chunk of storedChunks(file)) stored.set(chunk.sha256, { storedBytes: chunk.storedBytes, codec: chunk.codec });
  return stored;
}
