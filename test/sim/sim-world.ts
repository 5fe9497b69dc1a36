// The simulated world of one seed: the real engine, backup manager and store, driven step by step with faults.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { SimulationScheduler } from '../../src/engine/simulation.js';
import { Workload } from '../../src/engine/workload.js';
import type { CrashPoint } from '../../src/engine/partition-config.js';
import { nodeLogFileSystem, type LogFileSystem } from '../../src/log/file-system.js';
import { BackupManager } from '../../src/backup/backup-manager.js';
import { isCutlineError } from '../../src/errors.js';
import type { LogRecord } from '../../src/log/log.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { PartitionedFaultStore } from './sim-store.js';
import { ArrayTraceSink } from '../../src/engine/trace-sink.js';
import { mutationOptions, type SimConfig } from './sim-config.js';

/**
 * Process crashes keep every written byte (the OS has it), so fsync only costs time here; power loss
 * is the log's own tests' subject.
 */
export const unsyncedFileSystem: LogFileSystem = { ...nodeLogFileSystem, syncFile: () => {}, syncDirectory: () => {} };

/**
 * Where runs keep their directories: tmpfs when the machine has one (SIM_TMPDIR overrides), because
 * the stores fsync every object and a simulated crash does not need the disk anyway.
 */
export function simTemporaryDirectory(prefix: string): string {
  const root = process.env.SIM_TMPDIR ?? (fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  return fs.mkdtempSync(path.join(root, `cutline-${prefix}-`));
}

/** Thrown from inside the engine or the store to crash a partition at that exact point. */
export class SimulatedCrash extends Error {
  constructor(
    readonly partitionId: number,
    readonly point: string,
  ) {
    super(`simulated crash of partition ${partitionId} at ${point}`);
  }
}

/** A partition's state right after it processed its checkpoint record (the state a backup must restore). */
export interface CutState {
  readonly partitionId: number;
  readonly checkpointId: number;
  readonly position: number;
  readonly state: Record<string, unknown[]>;
}

export interface WorldStats {
  partitionCrashes: number;
  processingCrashes: number;
  uploadCrashes: number;
  restarts: number;
  reconcileRetries: number;
}

export class SimWorld {
  readonly directory: string;
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly transport: InProcessTransport;
  readonly store: PartitionedFaultStore;
  readonly manager: BackupManager;
  readonly cluster: Cluster;
  readonly workload: Workload;
  readonly scheduler: SimulationScheduler;
  /** The run's protocol trace, validated against the trace spec at the end of the run. */
  readonly trace = new ArrayTraceSink();
  /** Every partition's processed records, from position 1 (index = position - 1); undefined in a hole. */
  readonly processedRecords = new Map<number, (LogRecord | undefined)[]>();
  /** Keyed `{partitionId}@{position}`. */
  readonly cutStates = new Map<string, CutState>();
  readonly stats: WorldStats = { partitionCrashes: 0, processingCrashes: 0, uploadCrashes: 0, restarts: 0, reconcileRetries: 0 };
  stepIndex = 0;
  private readonly faultRandom: SeededRandom;
  private readonly uploadRandoms = new Map<number, SeededRandom>();
  private readonly lastCheckpointPosition = new Map<number, number>();
  private readonly restartAt = new Map<number, number>();
  private readonly pendingReconciles = new Set<number>();
  private processingArmed = false;
  /** While settling no new crash is injected, so that every partition ends up running. */
  private settling = false;

  private constructor(readonly config: SimConfig) {
    this.directory = simTemporaryDirectory('sim');
    const random = new SeededRandom(config.seeds.scheduler);
    this.faultRandom = new SeededRandom(config.seeds.faults);
    this.transport = new InProcessTransport(this.clock, new SeededRandom(config.seeds.transport), config.transportFaults);
    const storeDirectory = path.join(this.directory, 'store');
    fs.mkdirSync(storeDirectory);
    this.store = new PartitionedFaultStore(new FileSystemBackupStore(storeDirectory), config.seeds.store, config.storeFaults);
    this.store.onPut = (partitionId) => this.beforeUpload(partitionId);
    this.manager = new BackupManager({ store: this.store, clock: this.clock, uploadParallelism: 1 });
    this.cluster = Cluster.open({
      dataDirectory: path.join(this.directory, 'engine'),
      partitionCount: config.partitionCount,
      nodeCount: config.nodeCount,
      clock: this.clock,
      transport: this.transport,
      logFileSystem: unsyncedFileSystem,
      segmentSizeBytes: config.segmentSizeBytes,
      backupHook: this.manager,
      recordsPerTransaction: config.recordsPerTransaction,
      snapshotIntervalRecords: config.snapshotIntervalRecords,
      continuousBackups: config.continuousBackups,
      retryIntervalMs: 100,
      trace: this.trace,
      testOnly: { ...mutationOptions(config.mutation), crashPoint: (point, partitionId) => this.atCrashPoint(point, partitionId) },
    });
    for (const partition of this.cluster.partitions()) this.afterStart(partition.partitionId);
    this.workload = new Workload(this.cluster, random);
    this.scheduler = new SimulationScheduler(this.cluster, this.transport, this.workload, this.clock, random, {
      workloadProbability: config.workloadProbability,
      checkpointProbability: config.checkpointProbability,
      triggerDelayMsMax: config.triggerDelayMsMax,
      checkpointTypes: ['MANUAL_BACKUP', 'SCHEDULED_BACKUP', 'MARKER'],
      batchRecordsMax: config.batchRecordsMax,
    });
  }

  static async open(config: SimConfig): Promise<SimWorld> {
    const world = new SimWorld(config);
    await world.manager.start(world.cluster);
    return world;
  }

  get dataDirectory(): string {
    return this.cluster.options.dataDirectory;
  }

  /** One scheduler step with crashes and restarts around it; backups it started finish before the next step. */
  async step(): Promise<void> {
    this.stepIndex++;
    for (const [partitionId, atStep] of [...this.restartAt]) if (atStep <= this.stepIndex) await this.restart(partitionId);
    for (const partitionId of [...this.pendingReconciles]) if (this.cluster.isRunning(partitionId)) await this.reconcile(partitionId);
    if (this.faultRandom.next() < this.config.partitionCrashProbability) {
      const running = this.cluster.partitions();
      const victim = running[this.faultRandom.int(running.length)];
      if (victim !== undefined) this.crash(victim.partitionId);
    }
    this.processingArmed = true;
    try {
      this.scheduler.step();
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
      this.stats.processingCrashes++;
      this.crash(error.partitionId);
    } finally {
      this.processingArmed = false;
    }
    await this.manager.settled();
  }

  /** Restarts every crashed partition, then runs without new work until nothing is left to do; false if it never got there. */
  async settle(roundsMax = 20_000): Promise<boolean> {
    this.settling = true;
    for (const partitionId of [...this.restartAt.keys()]) await this.restart(partitionId);
    for (let round = 0; round < roundsMax; round++) {
      const quiet = this.scheduler.settle(1);
      await this.manager.settled();
      for (const partitionId of [...this.pendingReconciles]) await this.reconcile(partitionId);
      if (quiet && this.pendingReconciles.size === 0 && this.cluster.partitions().every((partition) => !partition.hasUnprocessed()))
        return true;
    }
    return false;
  }

  /** Stops the manager as a crash would and closes the cluster (each partition snapshots), then deletes everything. */
  async close(keepDirectory = false): Promise<void> {
    await this.manager.close();
    this.cluster.close();
    if (!keepDirectory) fs.rmSync(this.directory, { recursive: true, force: true });
  }

  /** Crashes a running partition; it restarts a random number of steps later (drawn from `random`). */
  crash(partitionId: number, random: SeededRandom = this.faultRandom): void {
    if (!this.cluster.isRunning(partitionId)) return;
    this.cluster.crash(partitionId);
    this.stats.partitionCrashes++;
    this.restartAt.set(partitionId, this.stepIndex + 1 + random.int(this.config.restartDelayStepsMax));
  }

  private async restart(partitionId: number): Promise<void> {
    this.restartAt.delete(partitionId);
    this.cluster.start(partitionId);
    this.stats.restarts++;
    this.afterStart(partitionId);
    await this.reconcile(partitionId);
  }

  /**
   * The manager's reconcile reads the partition's manifests, which may fail under store faults; a
   * supervisor would try again, so the world retries it on the next step.
   */
  private async reconcile(partitionId: number): Promise<void> {
    this.pendingReconciles.delete(partitionId);
    try {
      await this.manager.reconcile(partitionId);
    } catch (error) {
      if (error instanceof SimulatedCrash) return; // crashed again while reconciling: it restarts later
      if (!isCutlineError(error) || error.code !== 'STORE_UNAVAILABLE') throw error;
      this.stats.reconcileRetries++;
      this.pendingReconciles.add(partitionId);
    }
  }

  private afterStart(partitionId: number): void {
    const partition = this.cluster.partition(partitionId);
    this.mirror(partitionId);
    this.lastCheckpointPosition.set(partitionId, partition.state().checkpointPosition);
  }

  /**
   * Copies the records a partition has processed (committed, so a crash cannot take them back) since
   * the last call: compaction may delete them from the log later, and the checkers need every cut.
   * Records a recovery processed and compacted before the partition was back (a snapshot during its
   * replay) cannot be copied: they stay a hole (undefined), which the checkers skip.
   */
  private mirror(partitionId: number): void {
    const partition = this.cluster.partition(partitionId);
    const records = this.processedRecords.get(partitionId) ?? [];
    this.processedRecords.set(partitionId, records);
    const to = partition.lastProcessedPosition;
    while (records.length + 1 < Math.min(partition.log.firstPosition, to + 1)) records.push(undefined);
    const from = records.length + 1;
    if (to < from) return;
    for (const record of partition.log.read(from)) {
      if (record.position > to) break;
      records.push(record);
    }
  }

  private atCrashPoint(point: CrashPoint, partitionId: number): void {
    if (point === 'after-record' && this.cluster.isRunning(partitionId)) this.recordCut(partitionId);
    if (point === 'after-commit' && this.cluster.isRunning(partitionId)) this.mirror(partitionId);
    if (this.processingArmed && this.faultRandom.next() < this.config.processingCrashProbability)
      throw new SimulatedCrash(partitionId, point);
  }

  /** After the record that created a checkpoint (the state's checkpoint position moved to it), keeps the state. */
  private recordCut(partitionId: number): void {
    const partition = this.cluster.partition(partitionId);
    const state = partition.state();
    if (state.checkpointPosition === this.lastCheckpointPosition.get(partitionId)) return;
    this.lastCheckpointPosition.set(partitionId, state.checkpointPosition);
    const cut = { partitionId, checkpointId: state.checkpointId, position: state.checkpointPosition, state: partition.dumpState() };
    this.cutStates.set(`${partitionId}@${state.checkpointPosition}`, cut);
  }

  /** The store's put hook: a put of a crashed partition never happens; otherwise it may crash right before it. */
  private beforeUpload(partitionId: number): void {
    if (!this.cluster.isRunning(partitionId)) throw new SimulatedCrash(partitionId, 'upload of a crashed partition');
    if (this.settling) return;
    let random = this.uploadRandoms.get(partitionId);
    if (random === undefined) {
      random = new SeededRandom((this.config.seeds.faults + partitionId * 7_368_787) >>> 0);
      this.uploadRandoms.set(partitionId, random);
    }
    if (random.next() >= this.config.uploadCrashProbability) return;
    this.stats.uploadCrashes++;
    // Uploads of several partitions may interleave: the restart delay comes from this partition's own stream.
    this.crash(partitionId, random);
    throw new SimulatedCrash(partitionId, 'before a backup upload');
  }
}
