// `cutline config show`: every setting as the commands resolve it (flag > env > config file > default), where it came from, secrets redacted.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readApiToken } from '../../api/api-auth.js';
import { backupConfigFromArguments, withBackupConfigOptions, type BackupConfigArguments } from '../backup-config-options.js';
import { loadConfigFile, type ConfigFile, type ConfigFileKey } from '../config-file.js';
import { logLevelFrom, type LogLevelArguments } from '../log-level.js';
import { integerSetting, resolveSetting, settingDefinition, settingDefinitions, textSetting, type ResolvedSetting } from '../settings.js';
import { engineNodesMax, enginePartitionsMax, restoreParallelismMax } from '../../limits.js';
import { storeConfigFromArguments, storeIsConfigured, withStoreOptions, type StoreArguments } from '../store-options.js';
import { printJson } from '../api-client.js';

interface ShowArguments extends StoreArguments, BackupConfigArguments, LogLevelArguments {
  readonly 'data-dir': string | undefined;
  readonly partitions: number | undefined;
  readonly 'cluster-size': number | undefined;
  readonly 'node-id': number | undefined;
  readonly parallelism: number | undefined;
  readonly api: string | undefined;
  readonly json: boolean;
}

const redacted = '(redacted)';

/** The AWS default chain's variables the S3 store reads: shown (secrets redacted) so an operator sees which are set. */
const awsVariables: readonly { readonly name: string; readonly secret: boolean }[] = [
  { name: 'AWS_ACCESS_KEY_ID', secret: false },
  { name: 'AWS_SECRET_ACCESS_KEY', secret: true },
  { name: 'AWS_SESSION_TOKEN', secret: true },
  { name: 'AWS_PROFILE', secret: false },
  { name: 'AWS_REGION', secret: false },
];

export const configShowCommand: CommandModule<object, ShowArguments> = {
  command: 'show',
  describe: 'Print every setting as the commands resolve it (flag > env > config file > default), where it came from, secrets redacted',
  builder: (yargs: Argv) =>
    withBackupConfigOptions(withStoreOptions(yargs))
      .option('data-dir', { type: 'string', describe: 'As engine start and restore take it' })
      .option('partitions', { type: 'number', describe: 'As engine start takes it' })
      .option('cluster-size', { alias: 'nodes', type: 'number', describe: 'As engine start and restore take it' })
      .option('node-id', { type: 'number', describe: 'As restore takes it' })
      .option('parallelism', { type: 'number', describe: 'As restore takes it' })
      .option('api', { type: 'string', describe: 'As the backup take|status|list|state|delete commands take it' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object' })
      .example('$0 config show --config /etc/cutline.json', 'What a command run with this file would use, and why')
      .example('CUTLINE_CONFIG=/etc/cutline.json $0 config show --json', 'The same, for a program'),
  handler: (argv: ArgumentsCamelCase<ShowArguments>) => {
    const file = loadConfigFile(argv.config);
    const settings = settingDefinitions.map((definition) =>
      resolveSetting(definition.key, flagValue(argv, definition.key), process.env, file),
    );
    const credentials = awsVariables
      .filter(({ name }) => (process.env[name] ?? '') !== '')
      .map(({ name, secret }) => ({ name, value: secret ? redacted : (process.env[name] ?? ''), source: 'env' as const }));
    if (argv.json) {
      printJson({
        configFile: file === undefined ? null : { path: file.path, namedBy: file.namedBy },
        precedence: ['flag', 'env', 'file', 'default'],
        settings: settings.map((setting) => ({
          key: setting.key,
          value: shown(setting),
          source: setting.source,
          from: setting.where,
          usedBy: settingDefinition(setting.key).usedBy,
        })),
        credentials,
      });
    } else {
      process.stdout.write(formatSettings(file, settings, credentials));
    }
    // Checked as the commands check them, after printing: a bad value is a USAGE error naming where it came from.
    checkSettings(argv, file);
  },
};

function flagValue(argv: ShowArguments, key: ConfigFileKey): unknown {
  const levelFlag = argv.quiet === true ? 'error' : argv.verbose === true ? 'debug' : argv['log-level'];
  const flags: Partial<Record<ConfigFileKey, unknown>> = {
    store: argv.store,
    's3-endpoint': argv['s3-endpoint'],
    's3-region': argv['s3-region'],
    's3-force-path-style': argv['s3-force-path-style'],
    'data-dir': argv['data-dir'],
    partitions: argv.partitions,
    'cluster-size': argv['cluster-size'],
    'node-id': argv['node-id'],
    parallelism: argv.parallelism,
    'log-level': levelFlag,
    'backup.continuous': argv['backup-continuous'],
    'backup.checkpointInterval': argv['backup-checkpoint-interval'],
    'backup.schedule': argv['backup-schedule'],
    'backup.retentionWindow': argv['backup-retention-window'],
    'backup.retentionCleanupSchedule': argv['backup-retention-cleanup-schedule'],
    'backup.compression': argv['backup-compression'],
    'api.url': argv.api,
  };
  return flags[key];
}

/** The value as printed: a secret is redacted, and so is the user info of a URL; unset is null. */
function shown(setting: ResolvedSetting): string | number | boolean | null {
  const { value } = setting;
  if (value === undefined || value === null) return null;
  if (settingDefinition(setting.key).secret === true) return redacted;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${redacted}@`);
}

function formatSettings(
  file: ConfigFile | undefined,
  settings: readonly ResolvedSetting[],
  credentials: readonly { name: string; value: string }[],
): string {
  const rows = settings.map((setting) => {
    const value = shown(setting);
    const source = setting.source === 'default' ? 'default' : `${setting.source} (${setting.where})`;
    return [setting.key, value === null ? '-' : String(value), source];
  });
  const width = (column: number) => Math.max(...rows.map((row) => (row[column] ?? '').length), 7);
  const line = (cells: readonly string[]) =>
    `${(cells[0] ?? '').padEnd(width(0))}  ${(cells[1] ?? '').padEnd(width(1))}  ${cells[2] ?? ''}`.trimEnd();
  const header = [
    `config file: ${file === undefined ? 'none (pass --config F or set CUTLINE_CONFIG)' : `${file.path} (from ${file.namedBy})`}`,
    'precedence: flag > env > file > default',
    '',
    line(['SETTING', 'VALUE', 'SOURCE']),
  ];
  const aws =
    credentials.length === 0
      ? ['', 'S3 credentials: none in the environment (the AWS default chain may still find a profile or a role)']
      : [
          '',
          'S3 credentials (AWS default chain, from the environment):',
          ...credentials.map((credential) => `  ${credential.name}=${credential.value}`),
        ];
  return `${[...header, ...rows.map(line), ...aws].join('\n')}\n`;
}

function checkSettings(argv: ShowArguments, file: ConfigFile | undefined): void {
  logLevelFrom(argv, process.env, file);
  for (const [key, min, max] of [
    ['partitions', 1, enginePartitionsMax],
    ['cluster-size', 1, engineNodesMax],
    ['node-id', 0, engineNodesMax - 1],
    ['parallelism', 1, restoreParallelismMax],
  ] as const) {
    integerSetting(resolveSetting(key, flagValue(argv, key), process.env, file), min, max);
  }
  for (const key of ['data-dir', 'api.url'] as const) textSetting(resolveSetting(key, flagValue(argv, key), process.env, file));
  const hasStore = storeIsConfigured(argv, file);
  if (hasStore) storeConfigFromArguments(argv, file);
  backupConfigFromArguments(argv, hasStore, process.env, file);
  readApiToken(process.env, file);
}
