// A BackupStore wrapper that injects faults (failures, delays, corrupted and broken reads, lost writes) from a seeded Random.
import { PassThrough, type Readable } from 'node:stream';
import { CutlineError } from '../../src/errors.js';
import type { Random } from '../../src/random.js';
import type {
  BackupStore,
  GetOptions,
  ListEntry,
  ObjectInfo,
  PutBody,
  PutOptions,
  StoreCallOptions,
} from '../../src/store/backup-store.js';
import { sleep } from '../../src/store/retry.js';

export type StoreOperation = 'put' | 'get' | 'list' | 'head' | 'delete';

/** Probabilities in [0, 1] per call; a fault plan of all zeros makes the wrapper transparent. */
export interface FaultPlan {
  /** The call fails with STORE_UNAVAILABLE before reaching the inner store. */
  readonly failProbability?: number;
  /** The call waits a uniform [0, delayMsMax) first. */
  readonly delayMsMax?: number;
  /** A get flips one bit of the data it returns. */
  readonly corruptProbability?: number;
  /** A get's stream breaks off (a transient error) after part of the data. */
  readonly breakReadProbability?: number;
  /** A put resolves as if it succeeded but stores nothing. */
  readonly loseWriteProbability?: number;
  /** A put stores the object, then fails with STORE_UNAVAILABLE as if the answer were lost. */
  readonly loseAnswerProbability?: number;
  /** The operations faults apply to; all when omitted. */
  readonly operations?: readonly StoreOperation[];
  /** Only keys (or list prefixes) starting with this get faults; all when omitted. */
  readonly keyPrefix?: string;
}

export interface InjectedFault {
  readonly operation: StoreOperation;
  readonly key: string;
  readonly kind: 'fail' | 'delay' | 'corrupt' | 'break-read' | 'lose-write' | 'lose-answer';
}

/**
 * Every decision comes from the Random, in call order, so one seed replays one run exactly (with
 * calls made in the same order). `faults` records what was injected, for assertions and replay.
 */
export class FaultInjectingBackupStore implements BackupStore {
  readonly description: string;
  readonly faults: InjectedFault[] = [];
  private readonly failNext = new Map<StoreOperation, number>();

  constructor(
    private readonly inner: BackupStore,
    private readonly random: Random,
    private plan: FaultPlan = {},
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {
    this.description = inner.description;
  }

  /** Replaces the plan (e.g. heal the store halfway through a test). */
  setPlan(plan: FaultPlan): void {
    this.plan = plan;
  }

  /** The next `count` calls of an operation fail, whatever the plan says. */
  failNextCalls(operation: StoreOperation, count: number): void {
    this.failNext.set(operation, (this.failNext.get(operation) ?? 0) + count);
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    await this.before('put', key, options.signal);
    if (this.roll('put', key, this.plan.loseWriteProbability)) {
      this.record('put', key, 'lose-write');
      return;
    }
    await this.inner.put(key, body, options);
    if (this.roll('put', key, this.plan.loseAnswerProbability)) {
      this.record('put', key, 'lose-answer');
      throw new CutlineError('STORE_UNAVAILABLE', `injected fault: the answer to put ${key} was lost`);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    await this.before('get', key, options.signal);
    const stream = await this.inner.get(key, options);
    const corrupt = this.roll('get', key, this.plan.corruptProbability);
    const breakRead = this.roll('get', key, this.plan.breakReadProbability);
    if (!corrupt && !breakRead) return stream;
    if (corrupt) this.record('get', key, 'corrupt');
    if (breakRead) this.record('get', key, 'break-read');
    return this.damaged(stream, corrupt, breakRead);
  }

  async *list(prefix: string, options: StoreCallOptions = {}): AsyncIterable<ListEntry> {
    await this.before('list', prefix, options.signal);
    yield* this.inner.list(prefix, options);
  }

  async head(key: string, options: StoreCallOptions = {}): Promise<ObjectInfo | undefined> {
    await this.before('head', key, options.signal);
    return this.inner.head(key, options);
  }

  async delete(key: string, options: StoreCallOptions = {}): Promise<void> {
    await this.before('delete', key, options.signal);
    await this.inner.delete(key, options);
  }

  private async before(operation: StoreOperation, key: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const delayMsMax = this.plan.delayMsMax ?? 0;
    if (delayMsMax > 0 && this.applies(operation, key)) {
      this.record(operation, key, 'delay');
      await this.wait(Math.floor(this.random.next() * delayMsMax), signal);
    }
    const forced = this.failNext.get(operation) ?? 0;
    if (forced > 0) this.failNext.set(operation, forced - 1);
    if (forced > 0 || this.roll(operation, key, this.plan.failProbability)) {
      this.record(operation, key, 'fail');
      throw new CutlineError('STORE_UNAVAILABLE', `injected fault: ${operation} ${key} failed`);
    }
  }

  // Corruption flips one bit in the first non-empty chunk; a break ends the stream with a
  // transient error after that chunk, as a reset connection would.
  private damaged(source: Readable, corrupt: boolean, breakRead: boolean): Readable {
    const output = new PassThrough();
    // This stream is fed before anyone reads it, so an error can come first. Without a listener
    // it would be an uncaught 'error' event that kills the process; with one it stays on the
    // stream (stream.errored) and reaches the reader's async iteration or pipeline.
    output.on('error', () => undefined);
    const bit = 1 << this.random.int(8);
    const fraction = this.random.next();
    let damaged = false;
    output.on('drain', () => source.resume());
    source.on('data', (chunk: Buffer) => {
      if (damaged || chunk.length === 0) {
        if (!output.write(chunk)) source.pause();
        return;
      }
      damaged = true;
      const copy = Buffer.from(chunk);
      const index = Math.floor(fraction * copy.length);
      if (corrupt) copy[index] = (copy[index] ?? 0) ^ bit;
      if (!breakRead) {
        output.write(copy);
        return;
      }
      output.write(copy.subarray(0, index));
      source.destroy();
      output.destroy(Object.assign(new Error('injected fault: the connection was reset'), { code: 'ECONNRESET' }));
    });
    source.on('end', () => output.end());
    source.on('error', (error) => output.destroy(error));
    return output;
  }

  private applies(operation: StoreOperation, key: string): boolean {
    const operationApplies = this.plan.operations === undefined || this.plan.operations.includes(operation);
    return operationApplies && (this.plan.keyPrefix === undefined || key.startsWith(this.plan.keyPrefix));
  }

  private roll(operation: StoreOperation, key: string, probability: number | undefined): boolean {
    if (probability === undefined || probability <= 0 || !this.applies(operation, key)) return false;
    return this.random.next() < probability;
  }

  private record(operation: StoreOperation, key: string, kind: InjectedFault['kind']): void {
    this.faults.push({ operation, key, kind });
  }
}
