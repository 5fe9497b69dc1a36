// Whether a snapshot's state.db is a sound SQLite database of this engine: opens, integrity_check, schema, position.
import Database from 'better-sqlite3';
import { stateSchemaVersion } from './state-store.js';
import type { SnapshotMetadata } from './snapshot-store.js';

/** Where the state in a snapshot's database stands: what its metadata.json must repeat. */
export interface SnapshotDatabaseState {
  readonly lastProcessedPosition: number;
  readonly lastWrittenPosition: number;
  readonly checkpointId: number;
  readonly checkpointPosition: number;
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
    if (problems.length !== 1 || problems[0] !== 'ok')
      return { problem: `PRAGMA integrity_check reports: ${problems.slice(0, 10).join('; ')}` };
    const row = database
      .prepare(
        'SELECT schema_version, last_processed_position, last_written_position, checkpoint_id, checkpoint_position FROM partition_state',
      )
      .get() as
      | {
          schema_version: number;
          last_processed_position: number;
          last_written_position: number;
          checkpoint_id: number;
          checkpoint_position: number;
        }
      | undefined;
    if (row === undefined) return { problem: 'partition_state has no row' };
    if (row.schema_version !== stateSchemaVersion)
      return { problem: `has schema version ${row.schema_version}; this cutline reads ${stateSchemaVersion}` };
    return {
      lastProcessedPosition: row.last_processed_position,
      lastWrittenPosition: row.last_written_position,
      checkpointId: row.checkpoint_id,
      checkpointPosition: row.checkpoint_position,
    };
  } catch (error) {
    // A damaged file can make SQLite fail on the first read instead of on open ("file is not a database").
    return { problem: (error as Error).message };
  } finally {
    database.close();
  }
}

/**
 * Where a snapshot's metadata.json disagrees with its database or with its own id, or undefined when
 * they agree. The engine writes metadata.json from the very state it copies into state.db, names the
 * snapshot `{processedPosition}-{lastWrittenPosition}`, then chooses a snapshot to recover from by its
 * metadata and starts from its database: fields edited in one and not the other make it skip a sound
 * snapshot, or start from a state that is not the one described. (The processed position is checked by
 * the callers, which report it on its own, and so is an id of another form.)
 */
export function snapshotDisagreement(metadata: Partial<SnapshotMetadata>, state: SnapshotDatabaseState): string | undefined {
  const problems: string[] = [];
  const idWritten = /^\d+-(\d+)$/.exec(String(metadata.snapshotId))?.[1];
  if (idWritten !== undefined && Number(idWritten) !== metadata.lastWrittenPosition) {
    problems.push(
      `metadata.json says lastWrittenPosition ${JSON.stringify(metadata.lastWrittenPosition) ?? 'nothing'}, but names snapshot ${String(metadata.snapshotId)} ({processedPosition}-{lastWrittenPosition})`,
    );
  }
  const pairs = [
    ['lastWrittenPosition', metadata.lastWrittenPosition, 'last_written_position', state.lastWrittenPosition],
    ['checkpointId', metadata.checkpointId, 'checkpoint_id', state.checkpointId],
    ['checkpointPosition', metadata.checkpointPosition, 'checkpoint_position', state.checkpointPosition],
  ] as const;
  for (const [field, said, column, held] of pairs) {
    if (said !== held)
      problems.push(
        `metadata.json says ${field} ${JSON.stringify(said) ?? 'nothing'}, state.db's partition_state.${column} is ${String(held)}`,
      );
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}
