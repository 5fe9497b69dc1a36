// The continuous-backup options of `cutline engine start` (--backup-*), resolved with env and file by backup-config-sources.ts.
import type { Argv } from 'yargs';
import { resolveBackupConfig, settingSources, type BackupSettings } from './backup-config-sources.js';
import { CutlineError } from '../errors.js';
import type { BackupConfig } from '../protocol/backup-config.js';
import type { ConfigFile } from './config-file.js';

export interface BackupConfigArguments {
  readonly 'backup-continuous': boolean | undefined;
  readonly 'backup-checkpoint-interval': string | undefined;
  readonly 'backup-schedule': string | undefined;
  readonly 'backup-retention-window': string | undefined;
  readonly 'backup-retention-cleanup-schedule': string | undefined;
  readonly 'backup-compression': string | undefined;
}

const group = 'Continuous backups (flags > env > --config file > defaults):';

/** Adds the --backup-* options (--config comes with the store options); none has a default, so an absent flag falls back to env and file. */
export function withBackupConfigOptions<T>(yargs: Argv<T>): Argv<T & BackupConfigArguments> {
  const describe = (text: string, name: keyof typeof settingSources) => `${text} [env ${settingSources[name].env}]`;
  return yargs
    .option('backup-continuous', {
      type: 'boolean',
      describe: describe('Keep every log record until a completed backup holds it (needs --store)', 'continuous'),
      group,
    })
    .option('backup-checkpoint-interval', {
      type: 'string',
      describe: describe('A MARKER checkpoint every ISO-8601 duration, e.g. PT30S', 'checkpointInterval'),
      group,
    })
    .option('backup-schedule', {
      type: 'string',
      describe: describe('A scheduled backup every duration, e.g. PT5M (needs --store)', 'schedule'),
      group,
    })
    .option('backup-retention-window', {
      type: 'string',
      describe: describe('Delete backups older than this, e.g. P7D (needs --store)', 'retentionWindow'),
      group,
    })
    .option('backup-retention-cleanup-schedule', {
      type: 'string',
      describe: describe('Run retention this often, e.g. PT1H', 'retentionCleanupSchedule'),
      group,
    })
    .option('backup-compression', {
      type: 'string',
      describe: describe('Compress stored chunks with gzip (default), zstd (Node 22.15+) or none', 'compression'),
      group,
    });
}

/** The backup configuration from the flags, the environment and the --config file; checks what needs a store. */
export function backupConfigFromArguments(
  argv: BackupConfigArguments,
  hasStore: boolean,
  environment: NodeJS.ProcessEnv = process.env,
  file?: ConfigFile,
): BackupConfig {
  const flags: BackupSettings = {
    ...(argv['backup-continuous'] === undefined ? {} : { continuous: argv['backup-continuous'] }),
    ...(argv['backup-checkpoint-interval'] === undefined ? {} : { checkpointInterval: argv['backup-checkpoint-interval'] }),
    ...(argv['backup-schedule'] === undefined ? {} : { schedule: argv['backup-schedule'] }),
    ...(argv['backup-retention-window'] === undefined ? {} : { retentionWindow: argv['backup-retention-window'] }),
    ...(argv['backup-retention-cleanup-schedule'] === undefined
      ? {}
      : { retentionCleanupSchedule: argv['backup-retention-cleanup-schedule'] }),
    ...(argv['backup-compression'] === undefined ? {} : { compression: argv['backup-compression'] }),
  };
  const config = resolveBackupConfig({ flags, env: environment, ...(file === undefined ? {} : { file }) });
  if (!hasStore) {
    // Without a store nobody uploads: continuous mode would never compact, scheduled backups would never be taken.
    const needing = [
      config.continuous ? 'continuous mode' : undefined,
      config.scheduleMs !== undefined ? 'a backup schedule' : undefined,
      config.retentionWindowMs !== undefined ? 'retention' : undefined,
    ].filter((what) => what !== undefined);
    if (needing.length > 0) {
      throw new CutlineError('USAGE', `${needing.join(', ')} needs a backup store`, {
        hint: 'Pass --store <directory | s3://bucket/prefix> (or set CUTLINE_STORE, or store in the config file), or switch them off.',
      });
    }
  }
  return config;
}
