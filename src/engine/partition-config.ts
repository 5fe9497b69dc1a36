// What a partition is opened with: its configuration (policies, transport, hooks, test-only mutations) and the parts recovery hands it.
import type { Log } from '../log/log.js';
import type { Clock } from '../clock.js';
import type { Transport } from './transport.js';
import type { BackupHook } from './backup-hook.js';
import type { StateStore } from './state-store.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { TraceSink } from './trace-sink.js';

/** Named moments inside processing where a test may simulate a crash (by throwing). */
export type CrashPoint = 'after-record' | 'before-flush' | 'before-commit' | 'after-commit' | 'after-send';

export interface PartitionTestOptions {
  /** false: commands carry checkpoint id 0 instead of the sender's (the mutation that breaks consistency). */
  readonly piggybacking?: boolean;
  /** true: a command with a higher id is appended and processed before its CHECKPOINT_CREATE (also a mutation). */
  readonly processBeforeCheckpoint?: boolean;
  readonly crashPoint?: (point: CrashPoint, partitionId: number) => void;
}

export interface PartitionConfig {
  readonly partitionId: number;
  readonly partitionCount: number;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly backupHook: BackupHook;
  /** Commit policy: up to this many records per SQLite transaction (one log flush per transaction). */
  readonly recordsPerTransaction: number;
  /** A snapshot after this many processed records; 0 disables automatic snapshots. */
  readonly snapshotIntervalRecords: number;
  /** A backup checkpoint further than this from the newest snapshot is preceded by a snapshot; 0: never (limits.ts). */
  readonly backupSnapshotLagRecordsMax: number;
  readonly retryIntervalMs: number;
  /** Continuous backups: compaction keeps every record after the newest completed backup's checkpoint. */
  readonly continuousBackups?: boolean;
  readonly testOnly: PartitionTestOptions;
  /** Receives the protocol events for trace validation; undefined costs nothing. */
  readonly trace?: TraceSink | undefined;
}

/** What recovery hands the partition: the open parts and where replay stands. */
export interface PartitionParts {
  readonly log: Log;
  readonly store: StateStore;
  readonly snapshots: SnapshotStore;
  /** Records up to here were processed before the restart: replaying them performs no external effects. */
  readonly silentUntil: number;
  /** For each record whose follow-up records are already in the log, the position of the last of them. */
  readonly followUpsByCause: Map<number, number>;
}
