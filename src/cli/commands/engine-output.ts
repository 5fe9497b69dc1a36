// What `cutline engine start` prints: text lines or JSON lines, filtered by the log level, each event at its level.
import type { EventLog } from '../../event-log.js';
import type { BackupConfig } from '../../protocol/backup-config.js';
import type { LogLevel } from '../log-level.js';
import { commandOutput } from '../command-output.js';

/** Events below info or above it; every other event is info. `stopped` is the result: --quiet prints it too. */
const engineEventLevels: Readonly<Record<string, LogLevel>> = {
  progress: 'debug',
  'command-sent': 'debug',
  'command-received': 'debug',
  'backup-failed': 'error',
  'retention-failed': 'error',
  'service-failing': 'warn',
  'service-still-failing': 'warn',
};
const engineResults = new Set(['stopped']);

/** Text lines, or under --json one JSON object a line (command-output.ts); lines below the log level are not printed. */
export function engineOutput(json: boolean, level: LogLevel, write?: (text: string) => void): EventLog {
  return commandOutput({ json, level, eventLevels: engineEventLevels, results: engineResults, ...(write === undefined ? {} : { write }) });
}

export function backupConfigFields(config: BackupConfig): Record<string, string | number | boolean | null> {
  return {
    continuous: config.continuous,
    checkpointIntervalMs: config.checkpointIntervalMs ?? null,
    scheduleMs: config.scheduleMs ?? null,
    retentionWindowMs: config.retentionWindowMs ?? null,
    retentionCleanupScheduleMs: config.retentionCleanupScheduleMs ?? null,
    compression: config.compression,
  };
}
