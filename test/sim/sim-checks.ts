// The simulator's checkers, named after the spec's invariants: ConsistentCut, and the state at a cut equals its replay.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom, type Random } from '../../src/random.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { noBackupHook } from '../../src/engine/backup-hook.js';
import { openPartition, partitionPaths } from '../../src/engine/partition-recovery.js';
import { cutPositionFor, findOrphans, type PartitionCut } from '../../src/engine/consistency.js';
import type { Partition } from '../../src/engine/partition.js';
import { decodeRecord } from '../../src/engine/records.js';
import type { LogRecord } from '../../src/log/log.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { simTemporaryDirectory, unsyncedFileSystem, type SimWorld, type CutState } from './sim-world.js';

/** One violated invariant, with what the seed's replay needs to find it again. */
export interface SimViolation {
  readonly invariant:
    | 'ConsistentCut'
    | 'CutStateEqualsReplay'
    | 'RestoreEqualsCut'
    | 'RestoredEngineCompletes'
    | 'RestoreSucceeds'
    | 'Settles'
    | 'RunsWithoutError'
    | 'TraceIsSpecBehaviour';
  readonly message: string;
}

export function allRecords(partition: Partition): LogRecord[] {
  return [...partition.log.read(partition.log.firstPosition)];
}

/**
 * ConsistentCut over the processed records of every partition (crashed ones included): for every
 * checkpoint id that has a cut on every partition, no command is received at or before its receiver's
 * cut but sent after its sender's cut.
 */
export function checkConsistentCut(world: SimWorld): SimViolation[] {
  const records = new Map<number, { log: LogRecord[]; firstHole: number }>();
  for (const [partitionId, mirrored] of world.processedRecords) {
    const log = mirrored.filter((record): record is LogRecord => record !== undefined);
    records.set(partitionId, { log, firstHole: mirrored.indexOf(undefined) + 1 || Infinity });
  }
  const violations: SimViolation[] = [];
  for (let checkpointId = 1; checkpointId < world.scheduler.nextCheckpointId; checkpointId++) {
    const cuts: PartitionCut[] = [];
    for (const [partitionId, { log, firstHole }] of records) {
      // A cut found after a hole may not be the first one: the true cut could lie in the hole.
      const cutPosition = cutPositionFor(log, checkpointId);
      if (cutPosition !== undefined && cutPosition < firstHole) cuts.push({ partitionId, cutPosition, records: log });
    }
    if (cuts.length !== world.config.partitionCount) continue;
    for (const orphan of findOrphans(cuts))
      violations.push({ invariant: 'ConsistentCut', message: `checkpoint ${checkpointId}: ${orphan.message}` });
  }
  return violations;
}

/** last_*_position say where the processor and its follow-ups stood, not the state the records built. */
export function comparableState(dump: Record<string, unknown[]>): Record<string, unknown[]> {
  const rows = (dump.partition_state ?? []).map((row) => ({
    ...(row as object),
    last_processed_position: 'not compared',
    last_written_position: 'not compared',
  }));
  return { ...dump, partition_state: rows };
}

const openLog = (directory: string) => SegmentedLog.open({ directory, fs: unsyncedFileSystem });

/**
 * Rebuilds one partition from a copy of its directory as restore would: no runtime state, only the newest
 * snapshot usable for the cut, the log truncated right after the cut; the caller abandons the result.
 */
export function replayToCut(
  dataDirectory: string,
  partitionId: number,
  partitionCount: number,
  cut: number,
): { partition: Partition; directory: string } {
  const directory = simTemporaryDirectory('sim-replay');
  const from = partitionPaths(dataDirectory, partitionId);
  const to = partitionPaths(directory, partitionId);
  fs.cpSync(from.root, to.root, { recursive: true });
  fs.rmSync(to.runtime, { recursive: true, force: true });
  const snapshots = fs.existsSync(to.snapshots) ? fs.readdirSync(to.snapshots).filter((name) => !name.startsWith('.')) : [];
  const usable = snapshots
    .map((id) => ({ id, positions: id.split('-').map(Number) }))
    .filter(({ positions }) => (positions[0] ?? Infinity) <= cut && (positions[1] ?? Infinity) <= cut)
    .sort((a, b) => (b.positions[0] ?? 0) - (a.positions[0] ?? 0))[0];
  for (const id of fs.existsSync(to.snapshots) ? fs.readdirSync(to.snapshots) : [])
    if (id !== usable?.id) fs.rmSync(path.join(to.snapshots, id), { recursive: true });
  const log = openLog(to.log);
  log.truncateAfter(cut);
  log.close();
  const clock = new ManualClock(0);
  const partition = openPartition({
    dataDirectory: directory,
    openLog,
    partitionId,
    partitionCount,
    transport: new InProcessTransport(clock, new SeededRandom(0)),
    clock,
    backupHook: noBackupHook,
    recordsPerTransaction: 100,
    snapshotIntervalRecords: 0,
    backupSnapshotLagRecordsMax: 0,
    retryIntervalMs: 100,
    testOnly: {},
  });
  return { partition, directory };
}

/**
 * CutStateEqualsReplay: the state the engine had right after processing a checkpoint record equals the
 * state recovery rebuilds from the original log truncated right after that record, in a fresh directory.
 * Checks `samples` recorded cuts chosen at random (every one when samples is Infinity).
 */
export function checkCutStateEqualsReplay(
  world: SimWorld,
  random: Random,
  samples: number,
): { violations: SimViolation[]; checked: number } {
  const candidates = [...world.cutStates.values()].filter((cut) => world.cluster.isRunning(cut.partitionId) && cutStillInLog(world, cut));
  const chosen: CutState[] = [];
  while (chosen.length < samples && candidates.length > 0) chosen.push(...candidates.splice(random.int(candidates.length), 1));
  const violations: SimViolation[] = [];
  for (const cut of chosen) {
    const { partition, directory } = replayToCut(world.dataDirectory, cut.partitionId, world.config.partitionCount, cut.position);
    try {
      const where = `partition ${cut.partitionId}, checkpoint ${cut.checkpointId} at position ${cut.position}`;
      if (partition.lastProcessedPosition !== cut.position) {
        violations.push({
          invariant: 'CutStateEqualsReplay',
          message: `${where}: the replay processed up to ${partition.lastProcessedPosition}`,
        });
      }
      const difference = firstDifference(comparableState(cut.state), comparableState(partition.dumpState()));
      if (difference !== undefined) violations.push({ invariant: 'CutStateEqualsReplay', message: `${where}: ${difference}` });
    } finally {
      partition.abandon();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
  return { violations, checked: chosen.length };
}

/** A recorded cut is checkable while the log still holds its checkpoint record with the same id (crashes may have cut it off). */
function cutStillInLog(world: SimWorld, cut: CutState): boolean {
  const partition = world.cluster.partition(cut.partitionId);
  if (cut.position > partition.lastProcessedPosition || !replayable(world.dataDirectory, partition, cut.position)) return false;
  const record = world.processedRecords.get(cut.partitionId)?.[cut.position - 1];
  if (record === undefined || record.recordType !== 1) return false;
  const decoded = decodeRecord(record);
  return decoded.type === 'CHECKPOINT_CREATE' && decoded.value.checkpointId === cut.checkpointId;
}

/** Whether the directory still holds a snapshot at or before the cut that the log continues, or the log from 1. */
function replayable(dataDirectory: string, partition: Partition, cut: number): boolean {
  const firstPosition = partition.log.firstPosition;
  if (firstPosition === 1) return true;
  const directory = partitionPaths(dataDirectory, partition.partitionId).snapshots;
  return fs
    .readdirSync(directory)
    .filter((name) => !name.startsWith('.'))
    .map((id) => id.split('-').map(Number))
    .some(([processed = Infinity, written = Infinity]) => processed <= cut && written <= cut && processed + 1 >= firstPosition);
}

/** The first table row where two dumps differ, described; undefined when they are equal. */
export function firstDifference(expected: Record<string, unknown[]>, actual: Record<string, unknown[]>): string | undefined {
  for (const table of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const left = expected[table] ?? [];
    const right = actual[table] ?? [];
    for (let index = 0; index < Math.max(left.length, right.length); index++) {
      const a = JSON.stringify(left[index]);
      const b = JSON.stringify(right[index]);
      if (a !== b) return `table ${table} row ${index}: expected ${a ?? 'no row'}, got ${b ?? 'no row'}`;
    }
  }
  return undefined;
}
