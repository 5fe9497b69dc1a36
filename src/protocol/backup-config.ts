// The backup configuration values (continuous mode, checkpoint interval, schedule, retention, compression) and their defaults.
import type { ChunkCodec } from '../store/chunk-codec.js';

export interface BackupConfig {
  /** Log compaction keeps every record no completed backup holds yet. */
  readonly continuous: boolean;
  /** A MARKER checkpoint this often; undefined: no markers. */
  readonly checkpointIntervalMs: number | undefined;
  /** A SCHEDULED_BACKUP checkpoint this often; undefined: no scheduled backups. */
  readonly scheduleMs: number | undefined;
  /** Backups whose checkpoint is older than this are deleted (never the newest completed one). */
  readonly retentionWindowMs: number | undefined;
  /** How often retention runs. */
  readonly retentionCleanupScheduleMs: number | undefined;
  /** How the chunks a backup stores are compressed (format v2); backups stored with any codec stay readable. */
  readonly compression: ChunkCodec;
}

export const defaultBackupConfig: BackupConfig = {
  continuous: false,
  checkpointIntervalMs: undefined,
  scheduleMs: undefined,
  retentionWindowMs: undefined,
  retentionCleanupScheduleMs: undefined,
  compression: 'gzip',
};
