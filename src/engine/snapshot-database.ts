// Whether a snapshot's state.db is a sound SQLite database of this engine: opens, integrity_check, schema, position.
import Database from 'better-sqlite3';
import { stateSchemaVersion } from './state-store.js';

export interface SnapshotDatabaseState {
  readonly lastProcessedPosition: number;
}

/**
 * Opens the database read-only and checks it the way the engine will need it: `PRAGMA integrity_check`
 * is "ok", partition_state has its row, and the schema version is the one this engine reads. Returns
 * what is wrong in one sentence, or the processed position it holds. A checksum proves the bytes are
 * the ones the engine wrote; this proves those bytes are a database the engine can start from.
 */
export function inspectSnapshotDatabase(databasePath: string): { readonly problem: string } | SnapshotDatabaseState {
  let database: Database.Database;
  try {
    database = new Database(databasePath, { readonly: true, fileMustExist: true });
  } catch (error) {
    return { problem: `does not open as SQLite: ${(error as Error).message}` };
  }
  try {
    const problems = (database.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') return { problem: `PRAGMA integrity_check reports: ${problems.slice(0, 10).join('; ')}` };
    const row = database.prepare('SELECT schema_version, last_processed_position FROM partition_state').get() as
      | { schema_version: number; last_processed_position: number }
      | undefined;
    if (row === undefined) return { problem: 'partition_state has no row' };
    if (row.schema_version !== stateSchemaVersion) return { problem: `has schema version ${row.schema_version}; this cutline reads ${stateSchemaVersion}` };
    return { lastProcessedPosition: row.last_processed_position };
  } catch (error) {
    // A damaged file can make SQLite fail on the first read instead of on open ("file is not a database").
    return { problem: (error as Error).message };
  } finally {
    database.close();
  }
}
