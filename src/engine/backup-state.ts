// The backup part of a partition's SQLite state: checkpoints with their timestamps, confirmed backups, and ranges.
import type Database from 'better-sqlite3';
import type { CheckpointType } from './records.js';
import type { BackupRange, RangeBackup } from '../protocol/ranges.js';
import { assert } from '../assert.js';

/** Created with the rest of the schema (state-store.ts); every table is rebuilt by replaying the log. */
export const backupStateSchema = `
CREATE TABLE IF NOT EXISTS backups (
  checkpoint_id INTEGER PRIMARY KEY, checkpoint_position INTEGER NOT NULL,
  status TEXT NOT NULL, reason TEXT, confirmed_position INTEGER NOT NULL,
  checkpoint_type TEXT, checkpoint_timestamp_ms INTEGER, snapshot_processed_position INTEGER, first_log_position INTEGER, last_log_position INTEGER
);
CREATE TABLE IF NOT EXISTS checkpoints (
  checkpoint_id INTEGER PRIMARY KEY, checkpoint_type TEXT NOT NULL,
  checkpoint_position INTEGER NOT NULL, checkpoint_timestamp_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS backup_ranges (
  start_checkpoint_id INTEGER PRIMARY KEY, end_checkpoint_id INTEGER NOT NULL,
  first_cut_position INTEGER NOT NULL, last_cut_position INTEGER NOT NULL, checkpoint_ids TEXT NOT NULL
);
`;

/** The tables above, for dumps (state equality in tests). */
export const backupStateTables = ['backups', 'checkpoints', 'backup_ranges'] as const;

export interface BackupRow {
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  /** DELETED: the backup was confirmed COMPLETED or FAILED before and has been deleted from the store since. */
  readonly status: 'COMPLETED' | 'FAILED' | 'DELETED';
  readonly reason: string | null;
  readonly confirmedPosition: number;
  /** What the backup holds; null for FAILED backups and for confirmations that did not say. */
  readonly checkpointType: 'MANUAL_BACKUP' | 'SCHEDULED_BACKUP' | null;
  readonly checkpointTimestampMs: number | null;
  readonly snapshotProcessedPosition: number | null;
  readonly firstLogPosition: number | null;
  readonly lastLogPosition: number | null;
}

/** A checkpoint this partition created (CHECKPOINT_CREATE that raised its id), with the record's timestamp. */
export interface CheckpointRow {
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
  readonly checkpointPosition: number;
  readonly checkpointTimestampMs: number;
}

const columns = {
  backup: `checkpoint_id AS checkpointId, checkpoint_position AS checkpointPosition, status, reason, confirmed_position AS confirmedPosition,
    checkpoint_type AS checkpointType, checkpoint_timestamp_ms AS checkpointTimestampMs, snapshot_processed_position AS snapshotProcessedPosition,
    first_log_position AS firstLogPosition, last_log_position AS lastLogPosition`,
  checkpoint: `checkpoint_id AS checkpointId, checkpoint_type AS checkpointType, checkpoint_position AS checkpointPosition,
    checkpoint_timestamp_ms AS checkpointTimestampMs`,
};

/** Prepared statements over the backup tables; used inside the state store's transactions. */
export class BackupStateStore {
  private readonly statements;

  constructor(db: Database.Database) {
    addMissingColumns(db);
    this.statements = {
      putBackup:
        db.prepare(`INSERT OR REPLACE INTO backups VALUES (@checkpointId, @checkpointPosition, @status, @reason, @confirmedPosition,
        @checkpointType, @checkpointTimestampMs, @snapshotProcessedPosition, @firstLogPosition, @lastLogPosition)`),
      backup: db.prepare(`SELECT ${columns.backup} FROM backups WHERE checkpoint_id = ?`),
      backups: db.prepare(`SELECT ${columns.backup} FROM backups ORDER BY checkpoint_id`),
      putCheckpoint: db.prepare(
        'INSERT OR REPLACE INTO checkpoints VALUES (@checkpointId, @checkpointType, @checkpointPosition, @checkpointTimestampMs)',
      ),
      checkpoints: db.prepare(`SELECT ${columns.checkpoint} FROM checkpoints ORDER BY checkpoint_id`),
      lastCheckpoint: db.prepare(`SELECT ${columns.checkpoint} FROM checkpoints ORDER BY checkpoint_id DESC LIMIT 1`),
      lastBackupCheckpoint: db.prepare(
        `SELECT ${columns.checkpoint} FROM checkpoints WHERE checkpoint_type != 'MARKER' ORDER BY checkpoint_id DESC LIMIT 1`,
      ),
      pruneCheckpoints: db.prepare('DELETE FROM checkpoints WHERE checkpoint_position < ?'),
      clearRanges: db.prepare('DELETE FROM backup_ranges'),
      putRange: db.prepare('INSERT INTO backup_ranges VALUES (?, ?, ?, ?, ?)'),
      ranges: db.prepare(`SELECT start_checkpoint_id AS startId, end_checkpoint_id AS endId, first_cut_position AS firstCutPosition,
        last_cut_position AS lastCutPosition, checkpoint_ids AS checkpointIds FROM backup_ranges ORDER BY first_cut_position`),
    };
  }

  putBackup(row: BackupRow): void {
    this.statements.putBackup.run(row);
  }
  backup(checkpointId: number): BackupRow | undefined {
    return this.statements.backup.get(checkpointId) as BackupRow | undefined;
  }
  backups(): BackupRow[] {
    return this.statements.backups.all() as BackupRow[];
  }
  putCheckpoint(row: CheckpointRow): void {
    this.statements.putCheckpoint.run(row);
  }
  checkpoints(): CheckpointRow[] {
    return this.statements.checkpoints.all() as CheckpointRow[];
  }
  lastCheckpoint(): CheckpointRow | undefined {
    return this.statements.lastCheckpoint.get() as CheckpointRow | undefined;
  }
  /** The newest checkpoint of a backup type (MANUAL_BACKUP or SCHEDULED_BACKUP), whatever became of its backup. */
  lastBackupCheckpoint(): CheckpointRow | undefined {
    return this.statements.lastBackupCheckpoint.get() as CheckpointRow | undefined;
  }
  /** Forgets checkpoints before `position`: no range can restore to them any more. */
  pruneCheckpointsBefore(position: number): void {
    this.statements.pruneCheckpoints.run(position);
  }
  /** The stored ranges, with their first and last backups (which are always COMPLETED rows that say what they hold). */
  ranges(): BackupRange[] {
    const rows = this.statements.ranges.all() as {
      startId: number;
      endId: number;
      firstCutPosition: number;
      lastCutPosition: number;
      checkpointIds: string;
    }[];
    return rows.map((row) => {
      const start = this.rangeBackup(row.startId);
      const end = this.rangeBackup(row.endId);
      return {
        start,
        end,
        checkpointIds: JSON.parse(row.checkpointIds) as number[],
        firstCutPosition: row.firstCutPosition,
        lastCutPosition: row.lastCutPosition,
      };
    });
  }
  private rangeBackup(checkpointId: number): RangeBackup {
    const row = this.backup(checkpointId);
    const backup = row === undefined ? undefined : rangeBackupOfRow(row);
    assert(backup !== undefined, `range end ${checkpointId} is a completed backup`);
    return backup;
  }
  replaceRanges(ranges: readonly BackupRange[]): void {
    this.statements.clearRanges.run();
    for (const range of ranges) {
      this.statements.putRange.run(
        range.start.checkpointId,
        range.end.checkpointId,
        range.firstCutPosition,
        range.lastCutPosition,
        JSON.stringify(range.checkpointIds),
      );
    }
  }
}

/** Coverage columns added to `backups` after schema 1 was first written: states and snapshots from before get them as NULL. */
const addedBackupColumns = [
  'checkpoint_type TEXT',
  'checkpoint_timestamp_ms INTEGER',
  'snapshot_processed_position INTEGER',
  'first_log_position INTEGER',
  'last_log_position INTEGER',
];

function addMissingColumns(db: Database.Database): void {
  const present = new Set((db.prepare('PRAGMA table_info(backups)').all() as { name: string }[]).map((column) => column.name));
  for (const column of addedBackupColumns) {
    const name = column.split(' ')[0] ?? column;
    if (!present.has(name)) db.exec(`ALTER TABLE backups ADD COLUMN ${column}`);
  }
}

/** The range view of a COMPLETED backup row that says what it holds; undefined otherwise. */
export function rangeBackupOfRow(row: BackupRow): RangeBackup | undefined {
  if (row.status !== 'COMPLETED' || row.checkpointType === null || row.checkpointTimestampMs === null) return undefined;
  if (row.snapshotProcessedPosition === null || row.firstLogPosition === null || row.lastLogPosition === null) return undefined;
  return {
    checkpointId: row.checkpointId,
    checkpointType: row.checkpointType,
    checkpointPosition: row.checkpointPosition,
    checkpointTimestampMs: row.checkpointTimestampMs,
    snapshotProcessedPosition: row.snapshotProcessedPosition,
    firstLogPosition: row.firstLogPosition,
    lastLogPosition: row.lastLogPosition,
  };
}
