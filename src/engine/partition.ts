// A partition: its log, the single-threaded stream processor over it, its SQLite state, and its snapshots.
import type { Log } from '../log/log.js';
import { readRange } from './log-range.js';
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
} from './records.js';
import { processRecord } from './processing.js';
import { emptyEffects, type CreatedCheckpoint, type ProcessingContext } from './processing-effects.js';
import { isProtocolRecord, traceAppended, tracedCommand, type TraceEvent } from './trace-sink.js';
import { CommandSender, type CommandSend } from './command-sender.js';
import { LogHolds } from './log-holds.js';
import type { CrashPoint, PartitionConfig, PartitionParts } from './partition-config.js';

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
  private readonly sender: CommandSender;
  private readonly logHolds = new LogHolds();
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
    this.sender = new CommandSender(config, () => this.store);
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
      this.traceReceived(body, this.log.append([encodeRecord(body, this.config.clock.nowMs())]), null);
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
      this.traceReceived(body, this.log.append([encodeRecord(body, this.config.clock.nowMs())]), null);
      this.processAvailable();
      this.submit(create);
      return;
    }
    this.appendedCheckpointId = source.checkpointId;
    this.snapshotBeforeBackup(source.checkpointType);
    const now = this.config.clock.nowMs();
    const position = this.log.append([encodeRecord(create, now), encodeRecord(body, now)]);
    this.traceReceived(body, position, position - 1);
  }

  private traceReceived(body: InterPartitionBody, position: number, checkpointCreatePosition: number | null): void {
    this.config.trace?.emit({
      event: 'command-received',
      partitionId: this.partitionId,
      command: tracedCommand(body),
      checkpointCreatePosition,
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
    const sends: CommandSend[] = [];
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
    for (const send of sends) this.sender.send(send, false);
    for (const key of outboxAdded) this.sender.sendFromOutbox(key, false);
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
    return this.sender.retryDue();
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
    return this.logHolds.hold(position);
  }

  /**
   * Deletes whole segments below the oldest position still needed: after the oldest snapshot that
   * pruning kept (the newest, the newest clean one, the reserved ones), and below every log hold.
   */
  compact(): void {
    const snapshots = this.snapshots.list();
    if (snapshots.length === 0) return;
    let bound = Math.min(...snapshots.map((snapshot) => snapshot.metadata.processedPosition + 1));
    bound = Math.min(bound, this.logHolds.lowest());
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

  private crash(point: CrashPoint): void {
    this.config.testOnly.crashPoint?.(point, this.partitionId);
  }
}
