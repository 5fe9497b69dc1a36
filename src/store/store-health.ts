// The backup store's health as a running engine sees it: the outcome of every call, for the management API.
import type { Readable } from 'node:stream';
import type { Clock } from '../clock.js';
import { isCutlineError } from '../errors.js';
import type { ErrorCode } from '../error-codes.js';
import type { BackupStore, GetOptions, ListEntry, ObjectInfo, PutBody, PutOptions, StoreCallOptions } from './backup-store.js';

/** What `GET /health` and `GET /backups/state` say about the store. */
export interface StoreHealthState {
  /** `unknown` until the first call ends; `unhealthy` from a failed call until one succeeds. */
  readonly status: 'unknown' | 'healthy' | 'unhealthy';
  /** When the status began (ISO 8601), null while unknown. */
  readonly since: string | null;
  /** The code and message of the latest failure, kept after a recovery; null before any. */
  readonly lastErrorCode: ErrorCode | null;
  readonly lastError: string | null;
  /** Calls that failed since the store became unhealthy (0 while healthy). */
  readonly failedCalls: number;
  readonly lastSuccessAt: string | null;
}

/** Only these say the store itself is failing; a missing object or an existing one is an answer. */
export function isStoreFailure(error: unknown): boolean {
  return isCutlineError(error) && (error.code === 'STORE_UNAVAILABLE' || error.code === 'STORE_ACCESS_DENIED');
}

const answers: ReadonlySet<ErrorCode> = new Set(['STORE_NOT_FOUND', 'STORE_ALREADY_EXISTS', 'STORE_RANGE_INVALID', 'STORE_OBJECT_CHANGED']);

export class StoreHealth {
  private status: StoreHealthState['status'] = 'unknown';
  private sinceMs: number | undefined;
  private lastSuccessMs: number | undefined;
  private lastError: { readonly code: ErrorCode; readonly message: string } | undefined;
  private failedCalls = 0;
  /** Failed calls by error code since the process started (GET /metrics). */
  private readonly failuresByCode = new Map<ErrorCode, number>();

  constructor(private readonly clock: Clock) {}

  /** The store answered (a missing object is an answer too). */
  succeeded(): void {
    const nowMs = this.clock.nowMs();
    this.lastSuccessMs = nowMs;
    if (this.status === 'healthy') return;
    this.status = 'healthy';
    this.sinceMs = nowMs;
    this.failedCalls = 0;
  }

  /** A call failed: the store is unhealthy when it failed for the store's sake; other errors say nothing about it. */
  observe(error: unknown): void {
    if (!isCutlineError(error)) return;
    if (answers.has(error.code)) return this.succeeded();
    if (!isStoreFailure(error)) return;
    this.lastError = { code: error.code, message: error.message };
    this.failedCalls += 1;
    this.failuresByCode.set(error.code, (this.failuresByCode.get(error.code) ?? 0) + 1);
    if (this.status === 'unhealthy') return;
    this.status = 'unhealthy';
    this.sinceMs = this.clock.nowMs();
  }

  /** Every failed call since the process started, by error code (a counter per code). */
  failures(): ReadonlyMap<ErrorCode, number> {
    return this.failuresByCode;
  }

  state(): StoreHealthState {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      status: this.status,
      since: iso(this.sinceMs),
      lastErrorCode: this.lastError?.code ?? null,
      lastError: this.lastError?.message ?? null,
      failedCalls: this.failedCalls,
      lastSuccessAt: iso(this.lastSuccessMs),
    };
  }
}

/**
 * Reports the outcome of every call to a StoreHealth. A get counts when its stream opens: a stream that
 * breaks off later is its reader's to report.
 */
export class HealthTrackingBackupStore implements BackupStore {
  readonly description: string;
  readonly copyToFile?: (key: string, path: string, options?: StoreCallOptions) => Promise<number>;

  constructor(
    private readonly inner: BackupStore,
    readonly health: StoreHealth,
  ) {
    this.description = inner.description;
    const copy = inner.copyToFile?.bind(inner);
    if (copy !== undefined) this.copyToFile = (key, path, options) => this.track(() => copy(key, path, options));
  }

  put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
    return this.track(() => this.inner.put(key, body, options));
  }

  get(key: string, options?: GetOptions): Promise<Readable> {
    return this.track(() => this.inner.get(key, options));
  }

  async *list(prefix: string, options?: StoreCallOptions): AsyncIterable<ListEntry> {
    try {
      yield* this.inner.list(prefix, options);
    } catch (error) {
      this.health.observe(error);
      throw error;
    }
    this.health.succeeded();
  }

  head(key: string, options?: StoreCallOptions): Promise<ObjectInfo | undefined> {
    return this.track(() => this.inner.head(key, options));
  }

  delete(key: string, options?: StoreCallOptions): Promise<void> {
    return this.track(() => this.inner.delete(key, options));
  }

  private async track<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.health.succeeded();
      return result;
    } catch (error) {
      this.health.observe(error);
      throw error;
    }
  }
}
