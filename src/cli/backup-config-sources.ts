// Where the backup configuration comes from (flags > env > config file > defaults), how each source names a setting, and its text for people.
import { CutlineError } from '../errors.js';
import { backupDurationMsMax, backupDurationMsMin } from '../limits.js';
import { chunkCodecs, codecAvailable, type ChunkCodec } from '../store/chunk-codec.js';
import { formatDuration, parseDuration } from '../engine/duration.js';
import { defaultBackupConfig, type BackupConfig } from '../protocol/backup-config.js';
import { readConfigFile, type ConfigFile, type ConfigFileKey } from './config-file.js';

/** The settings as text (or a boolean from a flag or a JSON file), before parsing; one per source. */
export interface BackupSettings {
  readonly continuous?: string | boolean;
  readonly checkpointInterval?: string;
  readonly schedule?: string;
  readonly retentionWindow?: string;
  readonly retentionCleanupSchedule?: string;
  readonly compression?: string;
}
type SettingName = keyof BackupSettings;

/** How each setting is named in each source, for error messages and docs/stores-and-configuration.md. */
export const settingSources: Readonly<Record<SettingName, { flag: string; env: string; file: string }>> = {
  continuous: { flag: '--backup-continuous', env: 'CUTLINE_BACKUP_CONTINUOUS', file: 'backup.continuous' },
  checkpointInterval: {
    flag: '--backup-checkpoint-interval',
    env: 'CUTLINE_BACKUP_CHECKPOINT_INTERVAL',
    file: 'backup.checkpointInterval',
  },
  schedule: { flag: '--backup-schedule', env: 'CUTLINE_BACKUP_SCHEDULE', file: 'backup.schedule' },
  retentionWindow: { flag: '--backup-retention-window', env: 'CUTLINE_BACKUP_RETENTION_WINDOW', file: 'backup.retentionWindow' },
  retentionCleanupSchedule: {
    flag: '--backup-retention-cleanup-schedule',
    env: 'CUTLINE_BACKUP_RETENTION_CLEANUP_SCHEDULE',
    file: 'backup.retentionCleanupSchedule',
  },
  compression: { flag: '--backup-compression', env: 'CUTLINE_BACKUP_COMPRESSION', file: 'backup.compression' },
};

export interface BackupConfigSources {
  readonly flags?: BackupSettings;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file: `{"backup": {"continuous": true, "schedule": "PT5M", ...}}`. */
  readonly configFile?: string;
  /** The config file, already read (one read serves every setting of a command). */
  readonly file?: ConfigFile;
}

/** Resolves every setting from the first source that has it (flags, env, file), parses and checks the result. */
export function resolveBackupConfig(sources: BackupConfigSources): BackupConfig {
  const file = sources.file ?? (sources.configFile === undefined ? undefined : readConfigFile(sources.configFile));
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  const value = (name: SettingName): { text: unknown; where: string } | undefined => {
    const names = settingSources[name];
    const flag = flags[name];
    if (flag !== undefined) return { text: flag, where: names.flag };
    const fromEnv = env[names.env];
    if (fromEnv !== undefined && fromEnv !== '') return { text: fromEnv, where: names.env };
    const fromFile = file?.values.get(names.file as ConfigFileKey);
    if (fromFile !== undefined) return { text: fromFile, where: `${names.file} in ${file?.path ?? ''}` };
    return undefined;
  };
  const continuous = value('continuous');
  const config: BackupConfig = {
    continuous: continuous === undefined ? defaultBackupConfig.continuous : parseBoolean(continuous.text, continuous.where),
    checkpointIntervalMs: durationOf(value('checkpointInterval')),
    scheduleMs: durationOf(value('schedule')),
    retentionWindowMs: durationOf(value('retentionWindow')),
    retentionCleanupScheduleMs: durationOf(value('retentionCleanupSchedule')),
    compression: compressionOf(value('compression')),
  };
  if ((config.retentionWindowMs === undefined) !== (config.retentionCleanupScheduleMs === undefined)) {
    const { retentionWindow: w, retentionCleanupSchedule: c } = settingSources;
    throw new CutlineError(
      'USAGE',
      `retention needs both a window and a cleanup schedule; only the ${config.retentionWindowMs === undefined ? 'cleanup schedule' : 'window'} is set`,
      {
        hint: `Set both ${w.flag} and ${c.flag} (or ${w.env} and ${c.env}), or neither.`,
      },
    );
  }
  return config;
}

/** One line per setting, as `cutline engine start` prints it at startup. */
export function describeBackupConfig(config: BackupConfig): string {
  const duration = (ms: number | undefined) => (ms === undefined ? 'off' : formatDuration(ms));
  return [
    `continuous ${config.continuous ? 'on' : 'off'}`,
    `checkpoint interval ${duration(config.checkpointIntervalMs)}`,
    `schedule ${duration(config.scheduleMs)}`,
    `retention window ${duration(config.retentionWindowMs)}`,
    `retention cleanup ${duration(config.retentionCleanupScheduleMs)}`,
    `compression ${config.compression}`,
  ].join(', ');
}

function durationOf(setting: { text: unknown; where: string } | undefined): number | undefined {
  if (setting === undefined) return undefined;
  const shown = JSON.stringify(setting.text);
  if (typeof setting.text !== 'string') throw usage(setting.where, shown, 'is not a string');
  const parsed = parseDuration(setting.text);
  if (!parsed.ok) throw usage(setting.where, shown, parsed.problem);
  if (parsed.ms < backupDurationMsMin || parsed.ms > backupDurationMsMax) {
    throw usage(setting.where, shown, `is outside ${formatDuration(backupDurationMsMin)}..${formatDuration(backupDurationMsMax)}`);
  }
  return parsed.ms;
}

function compressionOf(setting: { text: unknown; where: string } | undefined): ChunkCodec {
  if (setting === undefined) return defaultBackupConfig.compression;
  const codec = chunkCodecs.find((name) => name === setting.text);
  if (codec === undefined) {
    throw new CutlineError('USAGE', `${setting.where} = ${JSON.stringify(setting.text)} is not a compression cutline knows`, {
      hint: `Set ${setting.where} to one of ${chunkCodecs.join(', ')}.`,
    });
  }
  if (!codecAvailable(codec)) {
    throw new CutlineError('USAGE', `${setting.where} = ${codec} needs Node 22.15 or later (zlib zstd); this is Node ${process.version}`, {
      hint: 'Choose gzip (readable by every Node cutline supports), or run the engine on a newer Node; a restore of zstd chunks needs such a Node too.',
    });
  }
  return codec;
}

function parseBoolean(text: unknown, where: string): boolean {
  if (typeof text === 'boolean') return text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new CutlineError('USAGE', `${where} must be true or false, got ${JSON.stringify(text)}`, {
    hint: `Set ${where} to true or false.`,
  });
}

function usage(where: string, shown: string, problem: string): CutlineError {
  return new CutlineError('USAGE', `${where} = ${shown} ${problem}`, {
    hint: `Durations are ISO-8601 with days, hours, minutes and seconds, from ${formatDuration(backupDurationMsMin)} to ${formatDuration(backupDurationMsMax)}: PT30S, PT5M, PT1H, P1D.`,
  });
}
