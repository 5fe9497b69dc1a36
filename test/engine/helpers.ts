// Test helpers: a cluster in a temporary directory with a manual clock, a seeded random and the in-process transport.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { Cluster, type ClusterOptions } from '../../src/engine/cluster.js';
import { InProcessTransport, noFaults, type TransportFaults } from '../../src/engine/transport.js';
import { RecordingBackupHook } from '../support/recording-backup-hook.js';
import type { Partition } from '../../src/engine/partition.js';
import type { LogRecord } from '../../src/log/log.js';
import { nodeLogFileSystem, type LogFileSystem } from '../../src/log/file-system.js';
import { decodeRecord, type EngineRecord } from '../../src/engine/records.js';
import { cutPositionFor, findOrphans, type Orphan } from '../../src/engine/consistency.js';

export function temporaryDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cutline-${prefix}-`));
}

/**
 * The real file system without fsync: these tests check the protocol and recovery from process crashes
 * (where the OS keeps written bytes), not power loss, and 2 shared cores make every fsync costly.
 */
export const unsyncedFileSystem: LogFileSystem = { ...nodeLogFileSystem, syncFile: () => {}, syncDirectory: () => {} };

export interface TestCluster {
  readonly cluster: Cluster;
  readonly clock: ManualClock;
  readonly random: SeededRandom;
  readonly transport: InProcessTransport;
  readonly hook: RecordingBackupHook;
  readonly directory: string;
}

export function openTestCluster(
  seed: number,
  overrides: Partial<Omit<ClusterOptions, 'clock' | 'transport'>> & { faults?: TransportFaults } = {},
): TestCluster {
  const clock = new ManualClock(1_700_000_000_000);
  const random = new SeededRandom(seed);
  const transport = new InProcessTransport(clock, new SeededRandom(seed ^ 0x5eed), overrides.faults ?? noFaults);
  const hook = new RecordingBackupHook();
  const directory = overrides.dataDirectory ?? temporaryDirectory('engine');
  const cluster = Cluster.open({
    partitionCount: 2,
    nodeCount: 1,
    segmentSizeBytes: 16 * 1024,
    snapshotIntervalRecords: 200,
    retryIntervalMs: 100,
    backupHook: hook,
    logFileSystem: unsyncedFileSystem,
    ...overrides,
    dataDirectory: directory,
    clock,
    transport,
  });
  return { cluster, clock, random, transport, hook, directory };
}

export function allRecords(partition: Partition): LogRecord[] {
  return [...partition.log.read(partition.log.firstPosition)];
}

export function decodedRecords(partition: Partition): EngineRecord[] {
  return allRecords(partition).map(decodeRecord);
}

/** The orphans of the cut of checkpoint `checkpointId` over every partition's whole log; throws if a partition has no cut. */
export function orphansAt(partitions: readonly Partition[], checkpointId: number): Orphan[] {
  const cuts = partitions.map((partition) => {
    const records = allRecords(partition);
    const cutPosition = cutPositionFor(records, checkpointId);
    if (cutPosition === undefined) throw new Error(`partition ${partition.partitionId} has no cut for checkpoint ${checkpointId}`);
    return { partitionId: partition.partitionId, cutPosition, records };
  });
  return findOrphans(cuts);
}
