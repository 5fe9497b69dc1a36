// A partition: its log, the single-threaded stream processor over it, its SQLite state, and its snapshots.
import type { Log } from '../log/log.js';
import { readRange } from './log-range.js';
import type { Clock } from '../clock.js';
import type { Transport } from './transport.js';
import type { BackupHook } from './backup-hook.js';
import type { BackupRow, PartitionStateRow } from './state-store.js';
import type { BackupStateStore } from './backup-state.js';
import { continuousHoldPosition, type ContinuousLogPartition } from './continuous-mode.js';
import type { StateStore } from './state-store.js';
import type { SnapshotStore } from './snapshot-store.js';
import { type Snapshot } from './snapshot-store.js';
import {
  decodeRecord,
  encodeRecord,
  isBackupType,
  type BackupCoverage,
  type CheckpointType,
  type EngineRecord,
  type EngineRecordBody,
  type InterPartitionBody,
  type UnsentCommandBody,
} from './records.js';
import { processRecord } from './processing.js';
import { emptyEffects, type CreatedCheckpoint, type ProcessingContext } from './processing-effects.js';
import { assert } from '../assert.js';
import { isProtocolRecord, traceAppended, tracedCommand, type TraceEvent, type TraceSink } from './trace-sink.js';

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

export class Partition implements ContinuousLogPartition {
  readonly partitionId: number;
  readonly log: Log;
  readonly snapshots: SnapshotStore;
  private store: StateStore;
  private readonly context: ProcessingContext;
  private lastProcessed: number;
  private lastWritten: number;
  private appendedCheckpointId: number;
  private processedSinceSnapshot = 0;
  private readonly lastSentMs = new Map<string, number>();
  private readonly logHolds = new Map<number, number>();
  private nextHoldId = 1;
  private silentUntil: number;
  private readonly followUpsByCause: Map<number, number>;

  constructor(
    private readonly config: PartitionConfig,
    parts: PartitionParts,
  ) {
    this.partitionId = config.partitionId;
    this.log = parts.log;
    this.store = parts.store;
    this.snapshots = parts.snapshots;
    this.silentUntil = parts.silentUntil;
    this.followUpsByCause = parts.followUpsByCause;
    this.context = { partitionId: config.partitionId, partitionCount: config.partitionCount, store: this.store };
    const state = this.store.partitionState();
    this.lastProcessed = state.lastProcessedPosition;
    this.lastWritten = state.lastWrittenPosition;
    this.appendedCheckpointId = state.checkpointId;
  }

  /** Replaces the store after recovery moved the rebuilt database into place. */
  replaceStore(store: StateStore): void {
    this.store = store;
    (this.context as { store: StateStore }).store = store;
  }

  state(): PartitionStateRow {
    return this.store.partitionState();
  }
  get lastProcessedPosition(): number {
    return this.lastProcessed;
  }
  hasUnprocessed(): boolean {
    return this.log.lastPosition > this.lastProcessed;
  }
  /** The backups this partition knows as confirmed (BACKUP_CONFIRMED processed), by checkpoint id. */
  confirmedBackups(): BackupRow[] {
    return this.store.backupState.backups();
  }
  /** Checkpoints (with their record's timestamps), confirmed backups and ranges, as the state keeps them (read only). */
  get backupState(): Pick<BackupStateStore, 'checkpoints' | 'lastCheckpoint' | 'lastBackupCheckpoint' | 'backups' | 'ranges'> {
    return this.store.backupState;
  }
  get continuousBackups(): boolean {
    return this.config.continuousBackups === true;
  }
  /** The highest checkpoint id processed or appended here: a new id must be greater. */
  highestCheckpointId(): number {
    return Math.max(this.store.partitionState().checkpointId, this.appendedCheckpointId);
  }
  /** Whether any inter-partition command still waits for its acknowledgement. */
  hasOutbox(): boolean {
    return this.store.outbox().length > 0;
  }
  /** Every table's rows: two partitions with equal dumps have equal state. */
  dumpState(): Record<string, unknown[]> {
    return this.store.dump();
  }

  /** Appends an external command (workload or backup manager); returns its position. */
  submit(body: EngineRecordBody): number {
    if (body.type === 'CHECKPOINT_CREATE') {
      this.appendedCheckpointId = Math.max(this.appendedCheckpointId, body.value.checkpointId);
      this.snapshotBeforeBackup(body.value.checkpointType);
    }
    const position = this.log.append([encodeRecord(body, this.config.clock.nowMs())]);
    if (this.config.trace !== undefined) traceAppended(this.config.trace, this.partitionId, body, position);
    return position;
  }

  /** The external trigger: appends CHECKPOINT_CREATE{id, type}; returns its position. */
  triggerCheckpoint(checkpointId: number, checkpointType: CheckpointType): number {
    return this.submit({ type: 'CHECKPOINT_CREATE', value: { checkpointId, checkpointType } });
  }

  /** The transport's delivery: a higher piggybacked id forces CHECKPOINT_CREATE before the command. */
  receive(body: InterPartitionBody): void {
    const source = body.value.source;
    const known = Math.max(this.store.partitionState().checkpointId, this.appendedCheckpointId);
    if (source.checkpointId <= known) {
      const position = this.log.append([encodeRecord(body, this.config.clock.nowMs())]);
      this.config.trace?.emit({
        event: 'command-received',
        partitionId: this.partitionId,
        command: tracedCommand(body),
        checkpointCreatePosition: null,
        position,
      });
      return;
    }
    const create: EngineRecordBody = {
      type: 'CHECKPOINT_CREATE',
      value: {
        checkpointId: source.checkpointId,
        checkpointType: source.checkpointType,
        forcedBy: { partitionId: source.partitionId, position: source.position },
      },
    };
    if (this.config.testOnly.processBeforeCheckpoint === true) {
      const position = this.log.append([encodeRecord(body, this.config.clock.nowMs())]);
      this.config.trace?.emit({
        event: 'command-received',
        partitionId: this.partitionId,
        command: tracedCommand(body),
        checkpointCreatePosition: null,
        position,
      });
      this.processAvailable();
      this.submit(create);
      return;
    }
    this.appendedCheckpointId = source.checkpointId;
    this.snapshotBeforeBackup(source.checkpointType);
    const now = this.config.clock.nowMs();
    const position = this.log.append([encodeRecord(create, now), encodeRecord(body, now)]);
    this.config.trace?.emit({
      event: 'command-received',
      partitionId: this.partitionId,
      command: tracedCommand(body),
      checkpointCreatePosition: position - 1,
      position,
    });
  }

  /**
   * Processes up to `maxRecords` records (default: the commit policy's batch) in ONE SQLite transaction:
   * state changes, follow-up appends, lastProcessedPosition; then flushes the log, commits, and only then
   * performs external effects. Returns how many records were processed.
   */
  processBatch(maxRecords = this.config.recordsPerTransaction, untilPosition = Number.POSITIVE_INFINITY): number {
    const from = this.lastProcessed + 1;
    const to = Math.min(this.log.lastPosition, untilPosition, from + maxRecords - 1);
    if (to < from) return 0;
    const records = readRange(this.log, from, to).map(decodeRecord);
    const sends: {
      target: number;
      body: UnsentCommandBody;
      sourcePosition: number;
      checkpointId: number;
      checkpointType: CheckpointType;
    }[] = [];
    const outboxAdded: string[] = [];
    const checkpoints: CreatedCheckpoint[] = [];
    const traced: TraceEvent[] = [];
    this.store.transaction(() => {
      for (const record of records) {
        const effects = emptyEffects();
        processRecord(record, this.context, effects);
        this.appendFollowUps(record, effects.followUps);
        if (record.position > this.silentUntil) {
          const { checkpointId, checkpointType } = this.store.partitionState();
          for (const reply of effects.replies) {
            sends.push({
              target: reply.targetPartitionId,
              body: reply.body,
              sourcePosition: record.position,
              checkpointId,
              checkpointType,
            });
          }
          outboxAdded.push(...effects.outboxAdded);
          checkpoints.push(...effects.checkpointsCreated);
          if (this.config.trace !== undefined && isProtocolRecord(record)) {
            // The checkpoint in force right after this record: what the spec's Process step leaves in cpId and cpPos.
            const { checkpointId, checkpointPosition } = this.store.partitionState();
            traced.push({
              event: 'record-processed',
              partitionId: this.partitionId,
              position: record.position,
              recordType: record.type,
              checkpointId,
              checkpointPosition,
            });
          }
        }
        this.crash('after-record');
      }
      this.store.setProcessed(to, this.lastWritten);
      this.crash('before-flush');
      this.log.flush();
      this.crash('before-commit');
    });
    this.lastProcessed = to;
    for (const event of traced) this.config.trace?.emit(event);
    this.crash('after-commit');
    for (const send of sends) this.send(send.target, send.body, send.sourcePosition, send.checkpointId, send.checkpointType, false);
    for (const key of outboxAdded) this.sendFromOutbox(key, false);
    for (const checkpoint of checkpoints) this.config.backupHook.checkpointCreated(checkpoint);
    this.crash('after-send');
    this.processedSinceSnapshot += records.length;
    // Automatic snapshots wait until every follow-up is processed too, so that they are clean (see prune).
    const interval = this.config.snapshotIntervalRecords;
    if (interval > 0 && this.processedSinceSnapshot >= interval && this.lastWritten <= this.lastProcessed) this.takeSnapshot();
    return records.length;
  }

  /**
   * Processes until every appended record (including follow-ups written meanwhile) is processed, up to
   * `recordsPerBatch` records per transaction (default: the commit policy's).
   */
  processAvailable(untilPosition = Number.POSITIVE_INFINITY, recordsPerBatch = this.config.recordsPerTransaction): number {
    let total = 0;
    for (
      let count = this.processBatch(recordsPerBatch, untilPosition);
      count > 0;
      count = this.processBatch(recordsPerBatch, untilPosition)
    )
      total += count;
    return total;
  }

  /** Re-sends every unacknowledged command not sent within the retry interval; returns how many. */
  retryDue(): number {
    const now = this.config.clock.nowMs();
    let count = 0;
    for (const row of this.store.outbox()) {
      const sentMs = this.lastSentMs.get(row.commandKey);
      if (sentMs !== undefined && now - sentMs < this.config.retryIntervalMs) continue;
      this.sendFromOutbox(row.commandKey, true);
      count++;
    }
    return count;
  }

  /**
   * Called before a checkpoint is appended: for a backup checkpoint, a snapshot of the committed state
   * when the newest snapshot lies more than backupSnapshotLagRecordsMax records back. Every record the
   * processing so far wrote is in the log already, so the snapshot's processed and last written positions
   * both precede the checkpoint: the backup pins it (checkpoint-pin.ts), and an engine started on its
   * restore replays only what was not yet processed when the checkpoint was appended.
   */
  private snapshotBeforeBackup(checkpointType: CheckpointType): void {
    const lagMax = this.config.backupSnapshotLagRecordsMax;
    if (lagMax <= 0 || !isBackupType(checkpointType)) return;
    const newest = this.snapshots.list()[0]?.metadata.processedPosition ?? 0;
    if (this.log.lastPosition - newest > lagMax && this.lastProcessed > newest) this.takeSnapshot();
  }

  /** Snapshots the committed state, prunes old snapshots and compacts the log below what is still needed. */
  takeSnapshot(): Snapshot {
    const snapshot = this.snapshots.take(this.store, this.config.clock.nowMs());
    this.processedSinceSnapshot = 0;
    this.snapshots.prune();
    this.compact();
    return snapshot;
  }

  /** Keeps records from `position` on from compaction until released (continuous backups use it). */
  holdLog(position: number): { release(): void } {
    const id = this.nextHoldId++;
    this.logHolds.set(id, position);
    return { release: () => void this.logHolds.delete(id) };
  }

  /**
   * Deletes whole segments below the oldest position still needed: after the oldest snapshot that
   * pruning kept (the newest, the newest clean one, the reserved ones), and below every log hold.
   */
  compact(): void {
    const snapshots = this.snapshots.list();
    if (snapshots.length === 0) return;
    let bound = Math.min(...snapshots.map((snapshot) => snapshot.metadata.processedPosition + 1));
    for (const position of this.logHolds.values()) bound = Math.min(bound, position);
    if (this.config.continuousBackups === true) bound = Math.min(bound, continuousHoldPosition(this.store.backupState.backups()));
    this.log.compactBelow(bound);
  }

  /**
   * Appends BACKUP_CONFIRMED (the backup manager's record that a backup finished); returns its position.
   * A COMPLETED backup passes its coverage (from its manifest) so that it joins the partition's ranges.
   */
  confirmBackup(
    checkpointId: number,
    checkpointPosition: number,
    status: 'COMPLETED' | 'FAILED',
    reason?: string,
    coverage?: BackupCoverage,
  ): number {
    const value = {
      checkpointId,
      checkpointPosition,
      status,
      ...(reason === undefined ? {} : { reason }),
      ...(coverage === undefined ? {} : { coverage }),
    };
    return this.submit({ type: 'BACKUP_CONFIRMED', value });
  }
  /** Appends BACKUP_DELETED once a backup's manifest is DELETED in the store: it leaves the ranges. */
  recordBackupDeleted(checkpointId: number): number {
    return this.submit({ type: 'BACKUP_DELETED', value: { checkpointId } });
  }

  /** Clean shutdown: a final snapshot so the next start replays little, then close. */
  close(): void {
    this.config.transport.unregister(this.partitionId);
    this.takeSnapshot();
    this.abandon();
  }

  /** Closes the files without a snapshot, as a crash would leave them (tests and the simulator). */
  abandon(): void {
    this.config.transport.unregister(this.partitionId);
    this.store.close();
    this.log.close();
  }

  private appendFollowUps(record: EngineRecord, followUps: readonly EngineRecordBody[]): void {
    if (followUps.length === 0) return;
    const existing = this.followUpsByCause.get(record.position);
    if (existing !== undefined) {
      // Written before a crash or restore: replay must not write them twice.
      this.followUpsByCause.delete(record.position);
      this.lastWritten = Math.max(this.lastWritten, existing);
      return;
    }
    const now = this.config.clock.nowMs();
    this.lastWritten = this.log.append(followUps.map((body) => encodeRecord(body, now)));
  }

  /**
   * Sends an outbox command. From retryDue it is a re-send (`retry` in the trace), even when this run has
   * not sent it yet: a command in the outbox after a restart may have been sent before the crash, or not.
   */
  private sendFromOutbox(commandKey: string, fromRetryTimer: boolean): void {
    const row = this.store.outboxRow(commandKey);
    if (row === undefined) return; // acknowledged within the same batch
    const body = { type: row.recordType, value: JSON.parse(row.body) as object } as UnsentCommandBody;
    const retry = fromRetryTimer || this.lastSentMs.has(commandKey);
    this.send(row.targetPartitionId, body, row.sourcePosition, row.checkpointId, row.checkpointType, retry);
    this.lastSentMs.set(commandKey, this.config.clock.nowMs());
  }

  /** The one place that fills in the source envelope, piggybacking the checkpoint (unless switched off). */
  private send(
    target: number,
    body: UnsentCommandBody,
    sourcePosition: number,
    checkpointId: number,
    checkpointType: CheckpointType,
    retry: boolean,
  ): void {
    const piggyback = this.config.testOnly.piggybacking !== false;
    const source = {
      partitionId: this.partitionId,
      position: sourcePosition,
      checkpointId: piggyback ? checkpointId : 0,
      checkpointType: piggyback ? checkpointType : ('MARKER' as const),
    };
    assert(source.position >= 1, 'a command names the record whose processing sent it');
    const sent = { ...body, value: { ...body.value, source } } as InterPartitionBody;
    this.config.trace?.emit({
      event: 'command-sent',
      partitionId: this.partitionId,
      targetPartitionId: target,
      retry,
      command: tracedCommand(sent),
    });
    this.config.transport.send({ targetPartitionId: target, body: sent });
  }

  private crash(point: CrashPoint): void {
    this.config.testOnly.crashPoint?.(point, this.partitionId);
  }
}
