// A store wrapper that refuses every call with STORE_ACCESS_DENIED while `denying` is set, as a store with wrong credentials does.
import type { Readable } from 'node:stream';
import { CutlineError } from '../../src/errors.js';
import type {
  BackupStore,
  GetOptions,
  ListEntry,
  ObjectInfo,
  PutBody,
  PutOptions,
  StoreCallOptions,
} from '../../src/store/backup-store.js';

export class DenyingStore implements BackupStore {
  readonly description: string;
  denying = false;
  /** Calls refused so far, by operation. */
  readonly refused = { put: 0, get: 0, list: 0, head: 0, delete: 0 };

  constructor(private readonly inner: BackupStore) {
    this.description = inner.description;
  }

  async put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
    this.check('put', key);
    await this.inner.put(key, body, options);
  }

  async get(key: string, options?: GetOptions): Promise<Readable> {
    this.check('get', key);
    return this.inner.get(key, options);
  }

  async *list(prefix: string, options?: StoreCallOptions): AsyncIterable<ListEntry> {
    this.check('list', prefix);
    yield* this.inner.list(prefix, options);
  }

  async head(key: string, options?: StoreCallOptions): Promise<ObjectInfo | undefined> {
    this.check('head', key);
    return this.inner.head(key, options);
  }

  async delete(key: string, options?: StoreCallOptions): Promise<void> {
    this.check('delete', key);
    await this.inner.delete(key, options);
  }

  private check(operation: keyof DenyingStore['refused'], key: string): void {
    if (!this.denying) return;
    this.refused[operation] += 1;
    throw new CutlineError('STORE_ACCESS_DENIED', `cannot ${operation} ${key}: access denied (InvalidAccessKeyId, HTTP 403)`);
  }
}
