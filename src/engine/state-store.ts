// A partition's state in SQLite: the schema, its prepared statements, and the transaction boundary.
import Database from 'better-sqlite3';
import type { CheckpointType } from './records.js';
import { assert } from '../assert.js';
import { BackupStateStore, backupStateSchema, backupStateTables } from './backup-state.js';

export type { BackupRow } from './backup-state.js';

/** Bumped when the schema changes; a reader aborts on an unknown version (FORMAT.md). */
export const stateSchemaVersion = 1;

const schema = `
CREATE TABLE IF NOT EXISTS partition_state (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  schema_version INTEGER NOT NULL,
  last_processed_position INTEGER NOT NULL,
  last_written_position INTEGER NOT NULL,
  checkpoint_id INTEGER NOT NULL,
  checkpoint_position INTEGER NOT NULL,
  checkpoint_type TEXT NOT NULL
);
INSERT OR IGNORE INTO partition_state VALUES (1, ${stateSchemaVersion}, 0, 0, 0, 0, 'MARKER');
${backupStateSchema}CREATE TABLE IF NOT EXISTS instances (
  instance_key TEXT PRIMARY KEY, correlation_key TEXT NOT NULL, state TEXT NOT NULL,
  message_id TEXT, created_position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
  instance_key TEXT PRIMARY KEY, instance_partition_id INTEGER NOT NULL, correlation_key TEXT NOT NULL,
  state TEXT NOT NULL, message_id TEXT, opened_position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_by_key ON subscriptions (correlation_key, state);
CREATE TABLE IF NOT EXISTS messages (
  message_id TEXT PRIMARY KEY, correlation_key TEXT NOT NULL, published_position INTEGER NOT NULL, instance_key TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_key ON messages (correlation_key, instance_key);
CREATE TABLE IF NOT EXISTS outbox (
  command_key TEXT PRIMARY KEY, target_partition_id INTEGER NOT NULL, record_type TEXT NOT NULL,
  body TEXT NOT NULL, source_position INTEGER NOT NULL, checkpoint_id INTEGER NOT NULL, checkpoint_type TEXT NOT NULL
);
`;

export interface PartitionStateRow {
  readonly lastProcessedPosition: number;
  readonly lastWrittenPosition: number;
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  readonly checkpointType: CheckpointType;
}

export interface InstanceRow {
  readonly instanceKey: string;
  readonly correlationKey: string;
  readonly state: 'OPENING_SUBSCRIPTION' | 'WAITING' | 'COMPLETED';
  readonly messageId: string | null;
  readonly createdPosition: number;
}
export interface SubscriptionRow {
  readonly instanceKey: string;
  readonly instancePartitionId: number;
  readonly correlationKey: string;
  readonly state: 'OPEN' | 'CORRELATING' | 'CLOSED';
  readonly messageId: string | null;
  readonly openedPosition: number;
}
export interface MessageRow {
  readonly messageId: string;
  readonly correlationKey: string;
  readonly publishedPosition: number;
  readonly instanceKey: string | null;
}
/** An inter-partition command waiting for its acknowledgement; re-sent on a timer until then. */
export interface OutboxRow {
  readonly commandKey: string;
  readonly targetPartitionId: number;
  readonly recordType: string;
  readonly body: string;
  readonly sourcePosition: number;
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
}

const columns = {
  partitionState: `last_processed_position AS lastProcessedPosition, last_written_position AS lastWrittenPosition,
    checkpoint_id AS checkpointId, checkpoint_position AS checkpointPosition, checkpoint_type AS checkpointType`,
  instance: `instance_key AS instanceKey, correlation_key AS correlationKey, state, message_id AS messageId, created_position AS createdPosition`,
  subscription: `instance_key AS instanceKey, instance_partition_id AS instancePartitionId, correlation_key AS correlationKey,
    state, message_id AS messageId, opened_position AS openedPosition`,
  message: `message_id AS messageId, correlation_key AS correlationKey, published_position AS publishedPosition, instance_key AS instanceKey`,
  outbox: `command_key AS commandKey, target_partition_id AS targetPartitionId, record_type AS recordType, body,
    source_position AS sourcePosition, checkpoint_id AS checkpointId, checkpoint_type AS checkpointType`,
};

/** The partition's SQLite database. Every mutation runs inside `transaction`. */
export class StateStore {
  private readonly db: Database.Database;
  private readonly statements;
  /** Checkpoints, confirmed backups and ranges (backup-state.ts); same database, same transactions. */
  readonly backupState: BackupStateStore;
  /** partition_state is read for every record; cached, and dropped on every change and on rollback. */
  private cachedState: PartitionStateRow | undefined;

  constructor(path: string) {
    this.db = new Database(path);
    // WAL with synchronous=NORMAL: a commit is atomic and ordered; recovery rebuilds from snapshot + log anyway.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(schema);
    const version = this.db.prepare('SELECT schema_version AS v FROM partition_state').get() as { v: number };
    assert(version.v === stateSchemaVersion, `state schema version ${version.v} is not ${stateSchemaVersion}`);
    this.statements = this.prepare();
    this.backupState = new BackupStateStore(this.db);
  }

  private prepare() {
    const db = this.db;
    return {
      partitionState: db.prepare(`SELECT ${columns.partitionState} FROM partition_state`),
      setProcessed: db.prepare('UPDATE partition_state SET last_processed_position = ?, last_written_position = ?'),
      setCheckpoint: db.prepare('UPDATE partition_state SET checkpoint_id = ?, checkpoint_position = ?, checkpoint_type = ?'),
      instance: db.prepare(`SELECT ${columns.instance} FROM instances WHERE instance_key = ?`),
      putInstance: db.prepare(
        'INSERT OR REPLACE INTO instances VALUES (@instanceKey, @correlationKey, @state, @messageId, @createdPosition)',
      ),
      subscription: db.prepare(`SELECT ${columns.subscription} FROM subscriptions WHERE instance_key = ?`),
      openSubscriptionFor: db.prepare(
        `SELECT ${columns.subscription} FROM subscriptions WHERE correlation_key = ? AND state = 'OPEN' ORDER BY opened_position LIMIT 1`,
      ),
      putSubscription: db.prepare(
        'INSERT OR REPLACE INTO subscriptions VALUES (@instanceKey, @instancePartitionId, @correlationKey, @state, @messageId, @openedPosition)',
      ),
      message: db.prepare(`SELECT ${columns.message} FROM messages WHERE message_id = ?`),
      uncorrelatedMessageFor: db.prepare(
        `SELECT ${columns.message} FROM messages WHERE correlation_key = ? AND instance_key IS NULL ORDER BY published_position LIMIT 1`,
      ),
      putMessage: db.prepare('INSERT OR REPLACE INTO messages VALUES (@messageId, @correlationKey, @publishedPosition, @instanceKey)'),
      putOutbox: db.prepare(
        'INSERT OR REPLACE INTO outbox VALUES (@commandKey, @targetPartitionId, @recordType, @body, @sourcePosition, @checkpointId, @checkpointType)',
      ),
      deleteOutbox: db.prepare('DELETE FROM outbox WHERE command_key = ?'),
      outboxRow: db.prepare(`SELECT ${columns.outbox} FROM outbox WHERE command_key = ?`),
      outbox: db.prepare(`SELECT ${columns.outbox} FROM outbox ORDER BY source_position, command_key`),
    };
  }

  /** Runs `work` in one SQLite transaction: all of its changes commit together or not at all. */
  transaction<T>(work: () => T): T {
    try {
      return this.db.transaction(work)();
    } catch (error) {
      this.cachedState = undefined;
      throw error;
    }
  }

  partitionState(): PartitionStateRow {
    this.cachedState ??= this.statements.partitionState.get() as PartitionStateRow;
    return this.cachedState;
  }
  setProcessed(lastProcessedPosition: number, lastWrittenPosition: number): void {
    this.cachedState = undefined;
    this.statements.setProcessed.run(lastProcessedPosition, lastWrittenPosition);
  }
  setCheckpoint(checkpointId: number, checkpointPosition: number, checkpointType: CheckpointType): void {
    this.cachedState = undefined;
    this.statements.setCheckpoint.run(checkpointId, checkpointPosition, checkpointType);
  }
  instance(instanceKey: string): InstanceRow | undefined {
    return this.statements.instance.get(instanceKey) as InstanceRow | undefined;
  }
  putInstance(row: InstanceRow): void {
    this.statements.putInstance.run(row);
  }
  subscription(instanceKey: string): SubscriptionRow | undefined {
    return this.statements.subscription.get(instanceKey) as SubscriptionRow | undefined;
  }
  openSubscriptionFor(correlationKey: string): SubscriptionRow | undefined {
    return this.statements.openSubscriptionFor.get(correlationKey) as SubscriptionRow | undefined;
  }
  putSubscription(row: SubscriptionRow): void {
    this.statements.putSubscription.run(row);
  }
  message(messageId: string): MessageRow | undefined {
    return this.statements.message.get(messageId) as MessageRow | undefined;
  }
  uncorrelatedMessageFor(correlationKey: string): MessageRow | undefined {
    return this.statements.uncorrelatedMessageFor.get(correlationKey) as MessageRow | undefined;
  }
  putMessage(row: MessageRow): void {
    this.statements.putMessage.run(row);
  }
  putOutbox(row: OutboxRow): void {
    this.statements.putOutbox.run(row);
  }
  outboxRow(commandKey: string): OutboxRow | undefined {
    return this.statements.outboxRow.get(commandKey) as OutboxRow | undefined;
  }
  deleteOutbox(commandKey: string): void {
    this.statements.deleteOutbox.run(commandKey);
  }
  outbox(): OutboxRow[] {
    return this.statements.outbox.all() as OutboxRow[];
  }

  /** Every table's rows in a stable order: what "equal state" means in tests and recovery checks. */
  dump(): Record<string, unknown[]> {
    const tables = ['partition_state', ...backupStateTables, 'instances', 'subscriptions', 'messages', 'outbox'];
    const result: Record<string, unknown[]> = {};
    for (const table of tables) result[table] = this.db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all();
    return result;
  }

  /** Writes a consistent, compacted copy of the committed state to `path` (must not run inside a transaction). */
  copyTo(path: string): void {
    assert(!this.db.inTransaction, 'a snapshot copy runs between transactions');
    this.db.prepare('VACUUM INTO ?').run(path);
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    this.db.close();
  }
}
