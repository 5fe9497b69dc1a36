// A cluster: N partitions over M nodes, in one process, with the clock, randomness, file system and transport passed in.
import type { Clock } from '../clock.js';
import type { LogFileSystem } from '../log/file-system.js';
import { SegmentedLog } from '../log/segmented-log.js';
import type { BackupHook } from './backup-hook.js';
import { noBackupHook } from './backup-hook.js';
import type { Partition } from './partition.js';
import type { PartitionConfig, PartitionTestOptions } from './partition-config.js';
import { openPartition } from './partition-recovery.js';
import { nodeForPartition } from './partitioning.js';
import type { InProcessTransport } from './transport.js';
import type { CheckpointType } from './records.js';
import { assert } from '../assert.js';
import { ensureEngineDescriptor } from './data-directory.js';
import { engineDefaults } from '../limits.js';
import { protocolTraceVersion, type TraceSink } from './trace-sink.js';

export interface ClusterOptions {
  readonly dataDirectory: string;
  readonly partitionCount: number;
  readonly nodeCount: number;
  readonly clock: Clock;
  readonly transport: InProcessTransport;
  readonly logFileSystem?: LogFileSystem;
  readonly segmentSizeBytes?: number;
  readonly backupHook?: BackupHook;
  readonly recordsPerTransaction?: number;
  readonly snapshotIntervalRecords?: number;
  readonly backupSnapshotLagRecordsMax?: number;
  readonly retryIntervalMs?: number;
  /** Continuous backups (protocol/backup-config.ts): compaction keeps what no completed backup holds yet. */
  readonly continuousBackups?: boolean;
  readonly testOnly?: PartitionTestOptions;
  /** Receives the protocol trace (FORMAT.md "Protocol trace"); absent, nothing is traced. */
  readonly trace?: TraceSink;
}

export class Cluster {
  private readonly running = new Map<number, Partition>();
  private readonly stoppedNodes = new Set<number>();

  private constructor(readonly options: ClusterOptions) {}

  /** Opens (recovering) every partition of the data directory. */
  static open(options: ClusterOptions): Cluster {
    assert(options.partitionCount >= 1 && options.nodeCount >= 1, 'a cluster has partitions and nodes');
    ensureEngineDescriptor(options.dataDirectory, options.partitionCount);
    const cluster = new Cluster(options);
    for (const partitionId of cluster.partitionIds()) cluster.start(partitionId);
    options.trace?.emit({
      event: 'trace-start',
      version: protocolTraceVersion,
      partitionCount: options.partitionCount,
      lastPositions: cluster.partitionIds().map((id) => cluster.partition(id).log.lastPosition),
    });
    return cluster;
  }

  partitionIds(): number[] {
    return Array.from({ length: this.options.partitionCount }, (_, index) => index + 1);
  }

  /** The node that hosts a partition (the assignment itself lives in partitioning.ts). */
  nodeOf(partitionId: number): number {
    return nodeForPartition(partitionId, this.options.nodeCount);
  }

  /** Node ids 0..nodeCount-1. */
  nodeIds(): number[] {
    return Array.from({ length: this.options.nodeCount }, (_, index) => index);
  }

  /** The nodes that run (all of them unless stopped with stopNode), ascending. */
  liveNodeIds(): number[] {
    return this.nodeIds().filter((nodeId) => !this.stoppedNodes.has(nodeId));
  }

  /** A node goes away as a crash would: its partitions stop; cluster services on it (the scheduler) move on. */
  stopNode(nodeId: number): void {
    assert(this.nodeIds().includes(nodeId) && !this.stoppedNodes.has(nodeId), `node ${nodeId} exists and runs`);
    this.stoppedNodes.add(nodeId);
    for (const partitionId of this.partitionIds())
      if (this.nodeOf(partitionId) === nodeId && this.isRunning(partitionId)) this.crash(partitionId);
  }

  /** A stopped node comes back: its partitions recover. */
  startNode(nodeId: number): void {
    assert(this.stoppedNodes.has(nodeId), `node ${nodeId} was stopped`);
    this.stoppedNodes.delete(nodeId);
    for (const partitionId of this.partitionIds())
      if (this.nodeOf(partitionId) === nodeId && !this.isRunning(partitionId)) this.start(partitionId);
  }

  /** The highest checkpoint id any running partition processed or appended: new ids must be greater. */
  highestCheckpointId(): number {
    return Math.max(0, ...this.partitions().map((partition) => partition.highestCheckpointId()));
  }

  partition(partitionId: number): Partition {
    const partition = this.running.get(partitionId);
    assert(partition !== undefined, `partition ${partitionId} is running`);
    return partition;
  }

  isRunning(partitionId: number): boolean {
    return this.running.has(partitionId);
  }

  partitions(): Partition[] {
    return [...this.running.values()];
  }

  /** The external trigger for every running partition at once (the gateway's fan-out without delay). */
  triggerCheckpoint(checkpointId: number, checkpointType: CheckpointType): void {
    this.announceCheckpoint(checkpointId, checkpointType);
    for (const partition of this.partitions()) partition.triggerCheckpoint(checkpointId, checkpointType);
  }

  /** Records that checkpoint `checkpointId` was triggered from outside; its CHECKPOINT_CREATEs reach the partitions later. */
  announceCheckpoint(checkpointId: number, checkpointType: CheckpointType): void {
    this.options.trace?.emit({ event: 'checkpoint-triggered', checkpointId, checkpointType });
  }

  /** Opens (recovers) one partition, e.g. after `crash`. */
  start(partitionId: number): Partition {
    assert(!this.running.has(partitionId), `partition ${partitionId} is not running yet`);
    const options = this.options;
    const config: PartitionConfig = {
      partitionId,
      partitionCount: options.partitionCount,
      transport: options.transport,
      clock: options.clock,
      backupHook: options.backupHook ?? noBackupHook,
      recordsPerTransaction: options.recordsPerTransaction ?? engineDefaults.recordsPerTransaction,
      snapshotIntervalRecords: options.snapshotIntervalRecords ?? engineDefaults.snapshotIntervalRecords,
      backupSnapshotLagRecordsMax: options.backupSnapshotLagRecordsMax ?? engineDefaults.backupSnapshotLagRecordsMax,
      retryIntervalMs: options.retryIntervalMs ?? engineDefaults.retryIntervalMs,
      continuousBackups: options.continuousBackups ?? false,
      testOnly: options.testOnly ?? {},
      trace: options.trace,
    };
    const openLog = (directory: string) =>
      SegmentedLog.open({
        directory,
        fsyncPolicy: 'manual',
        ...(options.segmentSizeBytes === undefined ? {} : { segmentSizeBytes: options.segmentSizeBytes }),
        ...(options.logFileSystem === undefined ? {} : { fs: options.logFileSystem }),
      });
    const partition = openPartition({ ...config, dataDirectory: options.dataDirectory, openLog });
    this.running.set(partitionId, partition);
    return partition;
  }

  /** Stops a partition as a crash would: no snapshot, no flush; its in-flight work is lost. */
  crash(partitionId: number): void {
    this.partition(partitionId).abandon();
    this.running.delete(partitionId);
  }

  /** Clean shutdown of every partition: a final snapshot each, then close. */
  close(): void {
    for (const [partitionId, partition] of this.running) {
      partition.close();
      this.running.delete(partitionId);
    }
  }
}
