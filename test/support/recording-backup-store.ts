// A BackupStore wrapper that records every manifest status written, so tests can say "never COMPLETED".
import type { Readable } from 'node:stream';
import type {
  BackupStore,
  GetOptions,
  ListEntry,
  ObjectInfo,
  PutBody,
  PutOptions,
  StoreCallOptions,
} from '../../src/store/backup-store.js';
import { isStreamBody } from '../../src/store/backup-store.js';
import { parseManifestKey } from '../../src/backup/backup-layout.js';
import { parseManifest } from '../../src/backup/manifest.js';

export class ManifestRecordingStore implements BackupStore {
  readonly description: string;
  /** Every successful manifest write, in order: "{partitionId}/{checkpointId}" -> statuses. */
  readonly manifestHistory = new Map<string, string[]>();

  constructor(private readonly inner: BackupStore) {
    this.description = inner.description;
  }

  async put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
    await this.inner.put(key, body, options);
    const id = parseManifestKey(key);
    if (id === undefined || isStreamBody(body)) return;
    const name = `${id.partitionId}/${id.checkpointId}`;
    this.manifestHistory.set(name, [...(this.manifestHistory.get(name) ?? []), parseManifest(body, key).status]);
  }
  get(key: string, options?: GetOptions): Promise<Readable> {
    return this.inner.get(key, options);
  }
  list(prefix: string, options?: StoreCallOptions): AsyncIterable<ListEntry> {
    return this.inner.list(prefix, options);
  }
  head(key: string, options?: StoreCallOptions): Promise<ObjectInfo | undefined> {
    return this.inner.head(key, options);
  }
  delete(key: string, options?: StoreCallOptions): Promise<void> {
    return this.inner.delete(key, options);
  }
}
