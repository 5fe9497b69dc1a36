// Opening a partition: newest valid snapshot + replay of the log after it, rebuilt beside the old state, then swapped in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { Log } from '../log/log.js';
import { Partition } from './partition.js';
import type { PartitionConfig } from './partition-config.js';
import { readRange } from './log-range.js';
import { StateStore } from './state-store.js';
import { SnapshotStore, snapshotStateFile, type Snapshot } from './snapshot-store.js';
import { decodeRecord, recordTypeNameOf } from './records.js';
import { CutlineError } from '../errors.js';

/** The directories of one partition inside the engine's data directory (FORMAT.md). */
export function partitionPaths(dataDirectory: string, partitionId: number) {
  const root = path.join(dataDirectory, 'partitions', String(partitionId));
  return {
    root,
    log: path.join(root, 'log'),
    snapshots: path.join(root, 'snapshots'),
    runtime: path.join(root, 'runtime'),
    state: path.join(root, 'runtime', 'state.db'),
    rebuild: path.join(root, 'runtime', 'rebuild.db'),
  };
}

/** Records replayed per transaction during recovery (each commit also flushes the log). */
const recoveryRecordsPerTransaction = 5_000;

export interface OpenPartitionOptions extends PartitionConfig {
  readonly dataDirectory: string;
  readonly openLog: (directory: string) => Log;
}

/**
 * Recovers a partition. The runtime state is always rebuilt from the newest valid snapshot plus replay
 * (as Zeebe does), into rebuild.db beside the old state.db; the old one is read only to learn how far
 * processing had come, so that replaying those records performs no external effect twice. A crash
 * during recovery leaves the old state.db in place, and the next start simply recovers again.
 */
export function openPartition(options: OpenPartitionOptions): Partition {
  const paths = partitionPaths(options.dataDirectory, options.partitionId);
  fs.mkdirSync(paths.runtime, { recursive: true });
  const log = options.openLog(paths.log);
  try {
    return recover(options, paths, log);
  } catch (error) {
    log.close();
    throw error;
  }
}

function recover(options: OpenPartitionOptions, paths: ReturnType<typeof partitionPaths>, log: Log): Partition {
  // Releasing a reservation lets the partition compact; the store exists before the partition does.
  const owner: { partition?: Partition } = {};
  const snapshots = new SnapshotStore(paths.snapshots, options.partitionId, () => owner.partition?.compact());
  const base = chooseSnapshot(snapshots, log, options.partitionId);
  removeDatabase(paths.rebuild);
  if (base !== undefined) fs.copyFileSync(path.join(base.directory, snapshotStateFile), paths.rebuild);
  const store = new StateStore(paths.rebuild);
  const lastAtOpen = log.lastPosition;
  try {
    const basePosition = store.partitionState().lastProcessedPosition;
    const partition = new Partition(options, {
      log,
      store,
      snapshots,
      silentUntil: Math.min(processedPositionOf(paths.state), lastAtOpen),
      followUpsByCause: scanFollowUps(log, basePosition + 1, lastAtOpen),
    });
    owner.partition = partition;
    // Replay commits in large transactions: the rebuilt database is thrown away if recovery fails anyway.
    partition.processAvailable(lastAtOpen, recoveryRecordsPerTransaction);
    store.close();
    removeDatabase(paths.state);
    fs.renameSync(paths.rebuild, paths.state);
    partition.replaceStore(new StateStore(paths.state));
    options.transport.register(options.partitionId, (body) => partition.receive(body));
    return partition;
  } catch (error) {
    if (store.isOpen) store.close();
    throw error;
  }
}

/** The newest snapshot that verifies and that the log can continue: processed and last written positions present. */
function chooseSnapshot(snapshots: SnapshotStore, log: Log, partitionId: number): Snapshot | undefined {
  for (const snapshot of snapshots.list()) {
    const { processedPosition, lastWrittenPosition } = snapshot.metadata;
    if (processedPosition > log.lastPosition || lastWrittenPosition > log.lastPosition) continue;
    if (processedPosition + 1 < log.firstPosition) continue;
    if (snapshots.verifies(snapshot)) return snapshot;
  }
  if (log.firstPosition <= 1) return undefined;
  throw new CutlineError(
    'ENGINE_RECOVERY',
    `partition ${partitionId}: the log starts at position ${log.firstPosition}, and no valid snapshot has a processed position from ${log.firstPosition - 1} to ${log.lastPosition}`,
    { hint: 'Restore the partition from a backup: its snapshot and log segments belong together.' },
  );
}

/** Maps each cause position to the last follow-up record it wrote, for follow-ups already in the log. */
function scanFollowUps(log: Log, from: number, to: number): Map<number, number> {
  const byCause = new Map<number, number>();
  if (to < from) return byCause;
  for (const raw of readRange(log, from, to)) {
    const type = recordTypeNameOf(raw);
    if (type !== 'CHECKPOINT_CREATED' && type !== 'CHECKPOINT_IGNORED') continue;
    const record = decodeRecord(raw);
    if (record.type === 'CHECKPOINT_CREATED' || record.type === 'CHECKPOINT_IGNORED') {
      byCause.set(record.value.causePosition, Math.max(byCause.get(record.value.causePosition) ?? 0, record.position));
    }
  }
  return byCause;
}

/** How far the previous run had processed, from its state database; 0 when there is none (after a restore). */
function processedPositionOf(statePath: string): number {
  if (!fs.existsSync(statePath)) return 0;
  try {
    const db = new Database(statePath);
    try {
      const row = db.prepare('SELECT last_processed_position AS p FROM partition_state').get() as { p: number } | undefined;
      return row?.p ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

function removeDatabase(databasePath: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(databasePath + suffix, { force: true });
}
