// Every setting a command takes from a flag, the environment or the config file: its names, default, secrecy, and where its value came from.
import { CutlineError } from '../errors.js';
import { restoreParallelismDefault } from '../limits.js';
import { storeEnvironmentVariables } from '../store/store-config.js';
import { apiTokenEnvironmentVariable } from '../api/api-auth.js';
import { settingSources } from './backup-config-sources.js';
import type { ConfigFile, ConfigFileKey } from './config-file.js';

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface SettingDefinition {
  readonly key: ConfigFileKey;
  /** The flag; undefined for the API token, which a command line would show to every user of the machine. */
  readonly flag?: string;
  readonly env?: string;
  readonly secret?: true;
  readonly defaultValue?: string | number | boolean;
  /** The commands that read it, for `cutline config show` and the docs. */
  readonly usedBy: string;
}

const storeCommands = 'engine start, restore, verify-backup, backup export|import';
const backupSetting = (name: keyof typeof settingSources): SettingDefinition => ({
  key: settingSources[name].file as ConfigFileKey,
  flag: settingSources[name].flag,
  env: settingSources[name].env,
  usedBy: 'engine start',
  ...(name === 'continuous' ? { defaultValue: false } : name === 'compression' ? { defaultValue: 'gzip' } : {}),
});

/** In the order `cutline config show` lists them. */
export const settingDefinitions: readonly SettingDefinition[] = [
  { key: 'store', flag: '--store', env: storeEnvironmentVariables.store, usedBy: storeCommands },
  { key: 's3-endpoint', flag: '--s3-endpoint', env: storeEnvironmentVariables.s3Endpoint, usedBy: storeCommands },
  { key: 's3-region', flag: '--s3-region', env: storeEnvironmentVariables.s3Region, usedBy: storeCommands },
  { key: 's3-force-path-style', flag: '--s3-force-path-style', env: storeEnvironmentVariables.s3ForcePathStyle, usedBy: storeCommands },
  { key: 'data-dir', flag: '--data-dir', env: 'CUTLINE_DATA_DIR', usedBy: 'engine start, restore' },
  { key: 'partitions', flag: '--partitions', defaultValue: 3, usedBy: 'engine start' },
  { key: 'cluster-size', flag: '--cluster-size', defaultValue: 1, usedBy: 'engine start, restore' },
  { key: 'node-id', flag: '--node-id', defaultValue: 0, usedBy: 'restore' },
  { key: 'parallelism', flag: '--parallelism', defaultValue: restoreParallelismDefault, usedBy: 'restore' },
  {
    key: 'log-level',
    flag: '--log-level',
    env: 'CUTLINE_LOG_LEVEL',
    defaultValue: 'info',
    usedBy: 'engine start, restore, demo, log tour',
  },
  backupSetting('continuous'),
  backupSetting('checkpointInterval'),
  backupSetting('schedule'),
  backupSetting('retentionWindow'),
  backupSetting('retentionCleanupSchedule'),
  backupSetting('compression'),
  { key: 'api.url', flag: '--api', env: 'CUTLINE_API', usedBy: 'backup take|status|list|state|delete' },
  { key: 'api.token', env: apiTokenEnvironmentVariable, secret: true, usedBy: 'engine start, backup take|status|list|state|delete' },
];

export interface ResolvedSetting {
  readonly key: ConfigFileKey;
  /** As given: text from the environment, a JSON value from the file, the flag's value, or the default. */
  readonly value: unknown;
  readonly source: SettingSource;
  /** The name a message gives it: `--store`, `CUTLINE_STORE`, `store in /etc/cutline.json`, `default`. */
  readonly where: string;
}

export function settingDefinition(key: ConfigFileKey): SettingDefinition {
  const definition = settingDefinitions.find((candidate) => candidate.key === key);
  if (definition === undefined) throw new CutlineError('INTERNAL', `no setting ${key}`);
  return definition;
}

/** The value of one setting from the first source that has it: flag > environment > config file > default. */
export function resolveSetting(
  key: ConfigFileKey,
  flagValue: unknown,
  environment: NodeJS.ProcessEnv,
  file: ConfigFile | undefined,
): ResolvedSetting {
  const definition = settingDefinition(key);
  if (flagValue !== undefined && definition.flag !== undefined) return { key, value: flagValue, source: 'flag', where: definition.flag };
  const fromEnvironment = definition.env === undefined ? undefined : environment[definition.env];
  if (fromEnvironment !== undefined && fromEnvironment !== '' && definition.env !== undefined)
    return { key, value: fromEnvironment, source: 'env', where: definition.env };
  if (file?.values.has(key) === true) return { key, value: file.values.get(key), source: 'file', where: `${key} in ${file.path}` };
  return { key, value: definition.defaultValue, source: 'default', where: 'default' };
}

/** An integer setting within bounds; a USAGE error naming where the value came from otherwise. */
export function integerSetting(setting: ResolvedSetting, min: number, max: number): number {
  const value = typeof setting.value === 'string' && /^\d+$/.test(setting.value) ? Number(setting.value) : setting.value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  throw new CutlineError(
    'USAGE',
    `${setting.where} must be an integer from ${min} to ${max}, got ${JSON.stringify(setting.value) ?? 'nothing'}`,
    {
      hint: `Set ${setting.where} to N with ${min} <= N <= ${max}.`,
    },
  );
}

/** A text setting (a path, a URL); undefined when unset. */
export function textSetting(setting: ResolvedSetting): string | undefined {
  if (setting.value === undefined || typeof setting.value === 'string') return setting.value;
  throw new CutlineError('USAGE', `${setting.where} must be a string, got ${JSON.stringify(setting.value)}`, {
    hint: 'Write the value in quotes in the config file.',
  });
}
