// The backup manager: pins a checkpoint's snapshot inside the engine's hook, then takes the backup asynchronously and confirms it.
import type { EventLog } from '../event-log.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { assert } from '../assert.js';
import { ConcurrencyLimiter } from '../concurrency-limiter.js';
import { isCutlineError } from '../errors.js';
import type { BackupHook, CreatedCheckpoint } from '../engine/backup-hook.js';
import type { Cluster } from '../engine/cluster.js';
import type { Partition } from '../engine/partition.js';
import { backupReconcileRetryMs, backupReconcileRetryMsMax, backupUploadParallelismMax } from '../limits.js';
import { sleep } from '../store/retry.js';
import type { BackupStore } from '../store/backup-store.js';
import { cutlineVersion } from '../version.js';
import { chooseBackupId } from '../protocol/backup-ids.js';
import { listBackupIds } from './manifest-store.js';
import { pinCheckpoint, type PinResult } from './checkpoint-pin.js';
import { runPartitionBackup } from './partition-backup.js';
import type { BackupCheckpointType } from '../protocol/backup-descriptor.js';
import type { Manifest } from './manifest.js';
import { BackupCounters } from './backup-counters.js';
import { coverageOf } from '../engine/continuous-mode.js';
import type { BackupCoverage } from '../engine/records.js';
import { ensureFailed, reconcilePartition } from './backup-reconcile.js';
import type { BackupOutcome } from './backup-outcome.js';
import type { BackupId } from './backup-layout.js';
import type { ChunkCodec } from '../store/chunk-codec.js';
import { ChunkMemory } from './chunk-memory.js';
import { processIncarnation, type CollectorIdentity } from './chunk-collection.js';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface BackupManagerOptions {
  readonly store: BackupStore;
  readonly clock: Clock;
  /** Files uploaded at once across all partitions (default backupUploadParallelismMax). */
  readonly uploadParallelism?: number;
  readonly engineVersion?: string;
  /** One line per backup event (started, completed, failed), for the engine's output. */
  readonly log?: EventLog;
  /** The first wait before retrying a reconcile that failed at start (default backupReconcileRetryMs). */
  readonly reconcileRetryMs?: number;
  /** How new chunks are compressed (default gzip, which every supported Node reads). */
  readonly chunkCodec?: ChunkCodec;
}

/**
 * Implements the engine's BackupHook. The hook runs on the processing path, so it only pins the
 * backup's base (a snapshot reservation or a log hold, plus the checkpoint record's timestamp) and
 * queues the work; uploads run on the event loop afterwards. Each partition backup ends with a
 * BACKUP_CONFIRMED record (COMPLETED or FAILED), and its pin is released on every path.
 */
export class BackupManager implements BackupHook {
  readonly store: BackupStore;
  readonly clock: Clock;
  readonly outcomes: BackupOutcome[] = [];
  private cluster: Cluster | undefined;
  /** Notifications that arrived while their partition was still recovering: handled by reconcile. */
  private readonly deferred: CreatedCheckpoint[] = [];
  private readonly active = new Map<string, Promise<void>>();
  /** Partition backups completed and failed, and bytes uploaded, since this process started (GET /metrics). */
  readonly counters = new BackupCounters();
  /** Background retries of reconciles that failed at start (retryReconcile). */
  private readonly retries = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly limiter: ConcurrencyLimiter;
  private readonly serializeTakes = new ConcurrencyLimiter(1);
  private highestRequestedId = 0;
  private readonly memories = new Map<number, ChunkMemory>();

  constructor(private readonly options: BackupManagerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.limiter = new ConcurrencyLimiter(options.uploadParallelism ?? backupUploadParallelismMax);
  }

  /**
   * Attaches the opened cluster and reconciles every running partition (see reconcile). With a log
   * function a failing reconcile is reported and retried in the background; without one (tests) it throws.
   */
  async start(cluster: Cluster): Promise<void> {
    this.cluster = cluster;
    for (const partitionId of cluster.partitionIds()) {
      if (!cluster.isRunning(partitionId)) continue;
      try {
        await this.reconcile(partitionId);
      } catch (error) {
        // A store that is down must not keep the engine from starting: the engine runs, and reconcile is retried.
        if (this.options.log === undefined) throw error;
        this.retryReconcile(partitionId, error);
      }
    }
  }

  checkpointCreated(checkpoint: CreatedCheckpoint): void {
    const cluster = this.cluster;
    if (cluster === undefined || !cluster.isRunning(checkpoint.partitionId) || this.stopping.signal.aborted) {
      this.deferred.push(checkpoint);
      return;
    }
    this.begin(cluster.partition(checkpoint.partitionId), checkpoint);
  }

  /**
   * After a partition (re)started: marks its interrupted backups FAILED, confirms backups whose
   * confirmation a crash lost, and takes the backups of checkpoints whose notification was lost.
   */
  async reconcile(partitionId: number): Promise<void> {
    const cluster = this.requireCluster();
    const partition = cluster.partition(partitionId);
    const mine = this.deferred.filter((checkpoint) => checkpoint.partitionId === partitionId);
    this.deferred.splice(0, this.deferred.length, ...this.deferred.filter((checkpoint) => checkpoint.partitionId !== partitionId));
    // Notifications taken here go back to the queue if the reconcile fails, for its retry.
    await reconcilePartition({
      store: this.store,
      clock: this.clock,
      partition,
      nodeId: cluster.nodeOf(partitionId),
      notified: mine,
      isActive: (checkpointId) => this.active.has(taskKey(partitionId, checkpointId)),
      begin: (checkpoint) => this.begin(partition, checkpoint),
      confirm: (outcome, checkpointPosition) => this.confirm(partition, outcome, checkpointPosition),
    }).catch((error: unknown) => {
      this.deferred.push(...mine);
      throw error;
    });
  }

  /**
   * Retries a reconcile that failed, with doubling waits, until it succeeds, the partition stops, or the
   * manager closes; each failure is logged. Interrupted backups stay IN_PROGRESS (never COMPLETED) meanwhile.
   */
  private retryReconcile(partitionId: number, firstError: unknown): void {
    const log = (line: string): void => this.options.log?.(`backups of partition ${partitionId}: ${line}`);
    const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));
    const retry = async (): Promise<void> => {
      let waitMs = this.options.reconcileRetryMs ?? backupReconcileRetryMs;
      log(`reconcile failed, retrying in ${waitMs} ms: ${reason(firstError)}`);
      while (true) {
        await sleep(waitMs, this.stopping.signal);
        if (!this.requireCluster().isRunning(partitionId)) return;
        try {
          await this.reconcile(partitionId);
          log('reconciled after a retry');
          return;
        } catch (error) {
          waitMs = Math.min(waitMs * 2, backupReconcileRetryMsMax);
          log(`reconcile failed again, retrying in ${waitMs} ms: ${reason(error)}`);
        }
      }
    };
    // Only close's abort ends a retry with an error.
    const task = retry().catch(() => undefined);
    this.retries.add(task);
    void task.finally(() => this.retries.delete(task));
  }

  /**
   * Asks every partition for a backup checkpoint; returns its id (see chooseBackupId for the id rules).
   * The checkpoint scheduler takes its SCHEDULED_BACKUP checkpoints through here too, so one rule makes
   * every id, above the ids in the store and those appended (not yet processed) on any partition.
   */
  async takeBackup(requestedId?: number, checkpointType: BackupCheckpointType = 'MANUAL_BACKUP'): Promise<number> {
    const cluster = this.requireCluster();
    return this.serializeTakes.run(async () => {
      const stored = await listBackupIds(this.store);
      const highest = Math.max(this.highestRequestedId, cluster.highestCheckpointId(), ...stored);
      const backupId = chooseBackupId(requestedId, highest, this.clock);
      this.highestRequestedId = backupId;
      cluster.triggerCheckpoint(backupId, checkpointType);
      this.options.log?.(`backup ${backupId}: checkpoint requested on ${cluster.partitions().length} partitions`, {
        event: 'backup-requested',
        backupId,
        partitions: cluster.partitions().length,
      });
      return backupId;
    });
  }

  /** Whether this manager is still taking the backup of a partition (used by the status API). */
  isTaking(partitionId: number, checkpointId: number): boolean {
    return this.active.has(taskKey(partitionId, checkpointId));
  }

  /** How many backups of the partition this process is taking now. */
  takingCount(partitionId: number): number {
    let count = 0;
    for (const key of this.active.keys()) if (key.startsWith(`${partitionId}/`)) count += 1;
    return count;
  }

  /** The highest id handed out by takeBackup in this process, 0 before the first. */
  get highestRequested(): number {
    return this.highestRequestedId;
  }

  /** Resolves once no backup is running (including backups started meanwhile). */
  async settled(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /**
   * Stops as a crash would: running uploads are aborted and nothing more is written, neither a FAILED
   * manifest nor a confirmation; the next start's reconcile marks those backups FAILED.
   */
  async close(): Promise<void> {
    this.stopping.abort(new Error('the backup manager stopped'));
    await Promise.all([...this.retries]);
    await this.settled();
  }

  private begin(partition: Partition, checkpoint: CreatedCheckpoint): void {
    const key = taskKey(checkpoint.partitionId, checkpoint.checkpointId);
    if (this.active.has(key)) return;
    const pin = pinCheckpoint(partition, checkpoint, this.requireCluster().nodeOf(checkpoint.partitionId));
    const task = this.run(partition, pin).finally(() => this.active.delete(key));
    this.active.set(key, task);
  }

  /**
   * Who this manager's chunk collections are: the engine's host and data directory, and this process.
   * An engine owns its data directory, so a collection record of the same owner from another process
   * was left by a crash and need not wait out its lease.
   */
  collectorIdentity(): CollectorIdentity {
    return { owner: `${hostname()}:${resolve(this.requireCluster().options.dataDirectory)}`, incarnation: processIncarnation };
  }

  private memoryOf(partitionId: number): ChunkMemory {
    let memory = this.memories.get(partitionId);
    if (memory === undefined) {
      memory = new ChunkMemory();
      this.memories.set(partitionId, memory);
    }
    return memory;
  }

  private async run(partition: Partition, pin: PinResult): Promise<void> {
    const { checkpoint } = pin;
    const id = checkpoint.id;
    try {
      // The hook returns at once: everything from copy start on happens on a later turn of the event loop.
      await nextTurn();
      const snapshotId = checkpoint.snapshot?.metadata.snapshotId ?? null;
      this.options.log?.(`backup ${id.checkpointId}: partition ${id.partitionId} started (snapshot ${snapshotId ?? 'none'})`, {
        event: 'backup-started',
        backupId: id.checkpointId,
        partitionId: id.partitionId,
        snapshotId,
      });
      const manifest = await runPartitionBackup(
        checkpoint,
        () => partition.log.segments(),
        {
          store: this.store,
          clock: this.clock,
          limiter: this.limiter,
          partitionCount: this.requireCluster().options.partitionCount,
          engineVersion: this.options.engineVersion ?? cutlineVersion,
          signal: this.stopping.signal,
          memory: this.memoryOf(id.partitionId),
          codec: this.options.chunkCodec ?? 'gzip',
        },
        pin.failure,
      );
      this.confirm(
        partition,
        { partitionId: id.partitionId, checkpointId: id.checkpointId, status: 'COMPLETED', reason: null },
        checkpoint.checkpointPosition,
        coverageOf(manifest.descriptor),
      );
      this.counters.completed(id.partitionId, manifest.addedBytes ?? totalBytes(manifest));
      this.requireCluster().options.trace?.emit({
        event: 'backup-taken',
        partitionId: id.partitionId,
        checkpointId: id.checkpointId,
        checkpointPosition: checkpoint.checkpointPosition,
        lastPosition: manifest.descriptor.lastLogPosition,
      });
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      const reason = isCutlineError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      this.confirm(
        partition,
        { partitionId: id.partitionId, checkpointId: id.checkpointId, status: 'FAILED', reason },
        checkpoint.checkpointPosition,
      );
      this.counters.failed(id.partitionId);
      this.failInStore(id, reason);
    } finally {
      pin.release();
    }
  }

  /** In the background: the failed backup's manifest must not stay IN_PROGRESS (see ensureFailed). */
  private failInStore(id: BackupId, reason: string): void {
    const options = {
      store: this.store,
      clock: this.clock,
      id,
      reason,
      signal: this.stopping.signal,
      retryMs: this.options.reconcileRetryMs ?? backupReconcileRetryMs,
    };
    const task = ensureFailed(this.options.log === undefined ? options : { ...options, log: this.options.log }).catch(() => undefined);
    this.retries.add(task);
    void task.finally(() => this.retries.delete(task));
  }

  /** Appends BACKUP_CONFIRMED, unless the partition stopped meanwhile (its restart reconciles instead). */
  private confirm(partition: Partition, outcome: BackupOutcome, checkpointPosition: number, coverage?: BackupCoverage): void {
    const cluster = this.requireCluster();
    if (this.stopping.signal.aborted || !cluster.isRunning(outcome.partitionId) || cluster.partition(outcome.partitionId) !== partition)
      return;
    partition.confirmBackup(outcome.checkpointId, checkpointPosition, outcome.status, outcome.reason ?? undefined, coverage);
    this.outcomes.push(outcome);
    const detail = outcome.reason === null ? '' : `: ${outcome.reason}`;
    const event = outcome.status === 'COMPLETED' ? 'backup-completed' : 'backup-failed';
    this.options.log?.(`backup ${outcome.checkpointId}: partition ${outcome.partitionId} ${outcome.status}${detail}`, {
      event,
      backupId: outcome.checkpointId,
      partitionId: outcome.partitionId,
      reason: outcome.reason,
    });
  }

  private requireCluster(): Cluster {
    assert(this.cluster !== undefined, 'BackupManager.start(cluster) ran before any backup work');
    return this.cluster;
  }
}

/** A format 1 manifest's bytes: every file was uploaded whole. */
function totalBytes(manifest: Manifest): number {
  return manifest.files.reduce((sum, file) => sum + file.sizeBytes, 0);
}

function taskKey(partitionId: number, checkpointId: number): string {
  return `${partitionId}/${checkpointId}`;
}
