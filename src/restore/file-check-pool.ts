// The worker threads that check restored files while they download, so hashing and log checks leave the event loop free for I/O.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { assert } from '../assert.js';
import { receiveError } from '../errors.js';
import { restoreCheckThreadsMax } from '../limits.js';
import { startModuleWorker } from '../module-worker.js';
import type { StoredChunkRef } from '../backup/chunk-format.js';
import type { ChunkWriteAnswer, FileCheckResult, FromFileCheckWorker, ReleasedMessage, ToFileCheckWorker } from './file-check-protocol.js';
import type { PartitionPlan } from './restore-plan.js';
import type { RestoredPartition } from './restore-partition.js';
import type { SegmentCheckContext } from './segment-check.js';

/** A file being checked as it is written: tell it how far the file is written; its result comes when all of it is. */
export interface FileCheckJob {
  advance(bytesWritten: number): void;
  /**
   * Decodes a stored chunk of the file (its manifest entry `chunk`) on a check thread and writes it at
   * `offset`; `stored` is handed over (its memory moves to the thread). The caller then advances as usual.
   */
  writeChunk(stored: Buffer, offset: number, chunk: StoredChunkRef, where: string): Promise<void>;
  readonly result: Promise<FileCheckResult>;
  /** Stops the check (its download failed); the result then never settles. */
  cancel(): void;
}

export interface FileCheckRequest {
  readonly path: string;
  readonly sizeBytes: number;
  /** For a log segment: what to check it against (segment-check.ts). */
  readonly segment: SegmentCheckContext | undefined;
  /** The file's bytes arrive through writeChunk (a format v2 file). */
  readonly writesChunks?: boolean;
}

interface Thread {
  readonly worker: Worker;
  readonly jobs: Set<number>;
  /** write-chunk requests sent and not yet answered. */
  chunkWrites: number;
  /** Set when the worker died: it is neither released nor reused. */
  dead: boolean;
}

/**
 * Threads of closed pools, kept for this process's next restore (at most restoreCheckThreadsMax). A
 * thread loads the restore's module graph when it starts, which from source (tsx) costs more than a
 * small restore; tests and the simulator restore hundreds of times, the CLI once. An idle thread holds
 * no file and no job, and is unref'd, so it never keeps the process alive.
 */
const idleWorkers: Worker[] = [];

/**
 * A check thread's garbage is short-lived (frame views, decoded chunks once written and hashed), and V8
 * grows a young generation to 16 MiB a semi-space as allocation goes on: over a long restore every
 * thread's heap grew by tens of MiB (peak RSS 1.3 times that of a short one, bench:restore-memory). A small
 * young generation is collected more often, at little cost since almost nothing in it survives.
 */
const checkThreadLimits = { maxYoungGenerationSizeMb: 2 };

interface PendingWrite {
  readonly thread: Thread;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Pending {
  readonly thread: Thread;
  readonly settle: (message: FromFileCheckWorker) => void;
  readonly fail: (error: Error) => void;
}

/**
 * Up to `threads` workers (file-check-worker.ts), started on first use; each new job goes to the
 * thread with the fewest. One thread per core: the event loop's downloads cost little CPU beside
 * SHA-256, CRCs and record checks. A thread that dies fails its jobs, and the restore with them.
 */
export class FileCheckPool {
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly writes = new Map<number, PendingWrite>();
  private nextJob = 1;
  private nextWrite = 1;
  private closed = false;

  constructor(private readonly threadCount: number = defaultThreadCount()) {
    assert(Number.isSafeInteger(threadCount) && threadCount >= 1, `a pool of ${threadCount} threads`);
  }

  check(request: FileCheckRequest): FileCheckJob {
    const { job, thread, settled } = this.start();
    const { path, sizeBytes, segment, writesChunks } = request;
    thread.worker.postMessage({ kind: 'check', job, path, sizeBytes, segment, writes: writesChunks ?? false } satisfies ToFileCheckWorker);
    const result = settled.then((message) => {
      assert(message.kind === 'checked', `job ${job} answered a check`);
      return message.result;
    });
    // A download that fails before its last byte never awaits its check, which may fail too (libuv's
    // copyfile removes a half-copied file, so the check finds none): that must not crash the process.
    result.catch(() => undefined);
    return {
      advance: (bytesWritten) => {
        if (this.pending.has(job)) thread.worker.postMessage({ kind: 'advance', job, bytes: bytesWritten } satisfies ToFileCheckWorker);
      },
      writeChunk: (stored, offset, chunk, where) =>
        this.writeChunk({ kind: 'write-chunk', request: 0, job, path, offset, stored, chunk, where }, thread),
      result,
      cancel: () => {
        if (!this.pending.delete(job)) return;
        thread.jobs.delete(job);
        thread.worker.postMessage({ kind: 'cancel', job } satisfies ToFileCheckWorker);
      },
    };
  }

  /**
   * Sends a chunk to the thread with the fewest chunk writes waiting (a new one while the pool may grow),
   * the file's own thread on a tie: decoding uses every core even while one file downloads.
   */
  private writeChunk(message: Extract<ToFileCheckWorker, { kind: 'write-chunk' }>, owner: Thread): Promise<void> {
    assert(!this.closed, 'the file-check pool is open');
    let thread = owner.dead ? this.leastBusy() : owner;
    for (const other of this.threads) if (other.chunkWrites < thread.chunkWrites) thread = other;
    if (thread.chunkWrites > 0 && this.threads.length < this.threadCount) thread = this.spawn();
    const request = this.nextWrite++;
    thread.chunkWrites += 1;
    const { stored } = message;
    // Moved, not copied; a view into a shared pool (small buffers) is copied first.
    const own = stored.byteOffset === 0 && stored.byteLength === stored.buffer.byteLength ? stored : new Uint8Array(stored);
    const settled = new Promise<void>((resolve, reject) => this.writes.set(request, { thread, resolve, reject }));
    thread.worker.postMessage({ ...message, request, stored: own } satisfies ToFileCheckWorker, [own.buffer as ArrayBuffer]);
    return settled;
  }

  async finishPartition(stagedData: string, partition: PartitionPlan): Promise<RestoredPartition> {
    const { job, thread, settled } = this.start();
    thread.worker.postMessage({ kind: 'finish-partition', job, stagedData, partition } satisfies ToFileCheckWorker);
    const message = await settled;
    assert(message.kind === 'finished-partition', `job ${job} answered a finish-partition`);
    return message.restored;
  }

  /**
   * Closes every file the threads hold and waits until they have; the threads then wait idle for the
   * next pool of the process (idleWorkers). Unsettled jobs stay unsettled.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    for (const write of this.writes.values()) write.reject(new Error('the file-check pool closed before a chunk was written'));
    this.writes.clear();
    await Promise.all(this.threads.map(release));
    this.threads.length = 0;
  }

  private start(): { job: number; thread: Thread; settled: Promise<FromFileCheckWorker> } {
    assert(!this.closed, 'the file-check pool is open');
    const job = this.nextJob++;
    const thread = this.leastBusy();
    thread.jobs.add(job);
    const settled = new Promise<FromFileCheckWorker>((resolve, reject) => {
      this.pending.set(job, {
        thread,
        settle: (message) => (message.kind === 'failed' ? reject(receiveError(message.error)) : resolve(message)),
        fail: reject,
      });
    });
    // Callers may stop awaiting (a failed restore); a rejection nobody awaits must not crash the process.
    settled.catch(() => undefined);
    return { job, thread, settled };
  }

  private leastBusy(): Thread {
    const idle = this.threads.find((thread) => thread.jobs.size === 0);
    if (idle !== undefined || this.threads.length >= this.threadCount) {
      return idle ?? this.threads.reduce((best, thread) => (thread.jobs.size < best.jobs.size ? thread : best));
    }
    return this.spawn();
  }

  private spawn(): Thread {
    const worker =
      idleWorkers.pop() ??
      startModuleWorker(new URL(`./file-check-worker${extensionOf(import.meta.url)}`, import.meta.url), {
        resourceLimits: checkThreadLimits,
      });
    worker.removeAllListeners().ref();
    const thread: Thread = { worker, jobs: new Set(), chunkWrites: 0, dead: false };
    worker.on('message', (message: FromFileCheckWorker | ChunkWriteAnswer) => this.onMessage(thread, message));
    worker.on('error', (error) => this.onDeath(thread, error));
    worker.on('exit', (exitCode) => this.onDeath(thread, new Error(`a restore file-check thread exited with code ${exitCode}`)));
    this.threads.push(thread);
    return thread;
  }

  private onMessage(thread: Thread, message: FromFileCheckWorker | ChunkWriteAnswer): void {
    if (message.kind === 'wrote-chunk' || message.kind === 'write-chunk-failed') {
      thread.chunkWrites -= 1;
      const write = this.writes.get(message.request);
      this.writes.delete(message.request);
      if (message.kind === 'wrote-chunk') write?.resolve();
      else write?.reject(receiveError(message.error));
      return;
    }
    const pending = this.pending.get(message.job);
    thread.jobs.delete(message.job);
    if (pending === undefined) return; // cancelled, or the pool is closing
    this.pending.delete(message.job);
    pending.settle(message);
  }

  private onDeath(thread: Thread, error: Error): void {
    thread.dead = true;
    for (const job of thread.jobs) {
      const pending = this.pending.get(job);
      this.pending.delete(job);
      pending?.fail(error);
    }
    thread.jobs.clear();
    for (const [request, write] of this.writes) {
      if (write.thread !== thread) continue;
      this.writes.delete(request);
      write.reject(error);
    }
    const index = this.threads.indexOf(thread);
    if (index >= 0 && !this.closed) this.threads.splice(index, 1);
  }
}

/** Detaches a closed pool's thread once it has closed its files: it waits in idleWorkers, or ends when enough wait there. */
async function release(thread: Thread): Promise<void> {
  const { worker } = thread;
  if (thread.dead) return;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const released = new Promise<boolean>((resolve) => {
    worker.on('message', (message: FromFileCheckWorker | ReleasedMessage) => {
      if (message.kind === 'released') resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  worker.postMessage({ kind: 'release' } satisfies ToFileCheckWorker);
  if (!(await released) || thread.dead) return;
  if (idleWorkers.length >= restoreCheckThreadsMax) {
    worker.postMessage({ kind: 'shutdown' } satisfies ToFileCheckWorker);
    return exited;
  }
  worker.removeAllListeners().unref();
  // A thread that dies while idle (it should not) leaves the list; its error must not crash the process.
  const forget = (): void => {
    const index = idleWorkers.indexOf(worker);
    if (index >= 0) idleWorkers.splice(index, 1);
  };
  worker.on('error', forget).on('exit', forget);
  idleWorkers.push(worker);
}

function defaultThreadCount(): number {
  return Math.max(1, Math.min(availableParallelism(), restoreCheckThreadsMax));
}

/** `.js` in the built CLI, `.ts` when running from source. */
function extensionOf(moduleUrl: string): string {
  return moduleUrl.endsWith('.ts') ? '.ts' : '.js';
}
