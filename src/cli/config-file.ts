// The one configuration file every command reads (--config F or CUTLINE_CONFIG): its keys, and reading it without echoing a secret.
import * as fs from 'node:fs';
import type { Argv } from 'yargs';
import { CutlineError } from '../errors.js';

export const configEnvironmentVariable = 'CUTLINE_CONFIG';

/** The keys a config file may hold: top-level settings, then the `backup` and `api` sections, as dotted paths. */
export const configFileKeys = [
  'store',
  's3-endpoint',
  's3-region',
  's3-force-path-style',
  'data-dir',
  'partitions',
  'cluster-size',
  'node-id',
  'parallelism',
  'log-level',
  'backup.continuous',
  'backup.checkpointInterval',
  'backup.schedule',
  'backup.retentionWindow',
  'backup.retentionCleanupSchedule',
  'backup.compression',
  'api.url',
  'api.token',
] as const;
export type ConfigFileKey = (typeof configFileKeys)[number];

/**
 * Keys `restore --config` once took because that file held any of restore's options by long name: they
 * say what to do rather than how, so they are refused with the flag to use instead of being ignored.
 */
const actionKeys: Readonly<Record<string, string>> = {
  backupId: '--backupId',
  'backup-id': '--backupId',
  to: '--to',
  'to-checkpoint': '--to-checkpoint',
  'dry-run': '--dry-run',
  json: '--json',
};

/** A read config file: its path and its values by dotted key; every key is one of configFileKeys. */
export interface ConfigFile {
  readonly path: string;
  /** How the file was named: `--config` or CUTLINE_CONFIG. */
  readonly namedBy: string;
  readonly values: ReadonlyMap<ConfigFileKey, unknown>;
}

export interface ConfigArguments {
  readonly config: string | undefined;
}

/** Adds --config to a command that takes store, backup or API settings. */
export function withConfigOption<T>(yargs: Argv<T>): Argv<T & ConfigArguments> {
  return yargs.option('config', {
    type: 'string',
    describe: `JSON config file (flags > env > file > defaults; \`cutline config show\` prints the result) [env ${configEnvironmentVariable}]`,
  });
}

/** The config file of --config, else of CUTLINE_CONFIG; undefined when neither names one. */
export function loadConfigFile(flag: string | undefined, environment: NodeJS.ProcessEnv = process.env): ConfigFile | undefined {
  const fromEnvironment = environment[configEnvironmentVariable];
  if (flag !== undefined) return readConfigFile(flag, '--config');
  if (fromEnvironment === undefined || fromEnvironment === '') return undefined;
  return readConfigFile(fromEnvironment, configEnvironmentVariable);
}

/**
 * Reads and checks a config file. Errors name the file, and the key or the line and column, never the
 * file's text: a JSON error message quotes the text around the mistake, which may be the API token.
 */
export function readConfigFile(path: string, namedBy = '--config'): ConfigFile {
  if (path.trim() === '') throw usage(`${namedBy} is empty`, 'Name the JSON config file, or leave it out.');
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw usage(`config file ${path} (from ${namedBy}) cannot be read (${code})`, 'Check the path and its permissions.');
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw usage(
      `config file ${path} is not valid JSON${jsonErrorPlace(text, error)}; its text is not shown, as it may hold the API token`,
      'Check the file with a JSON validator.',
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw usage(`config file ${path} is not a JSON object`);
  const values = new Map<ConfigFileKey, unknown>();
  for (const [key, value] of Object.entries(document)) {
    if (key === 'backup' || key === 'api') readSection(path, key, value, values);
    else values.set(knownKey(path, key), value);
  }
  return { path, namedBy, values };
}

function readSection(path: string, section: 'backup' | 'api', value: unknown, values: Map<ConfigFileKey, unknown>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw usage(`config file ${path} has a "${section}" that is not an object`);
  for (const [key, inner] of Object.entries(value)) values.set(knownKey(path, `${section}.${key}`), inner);
}

function knownKey(path: string, key: string): ConfigFileKey {
  const known = configFileKeys.find((name) => name === key);
  if (known !== undefined) return known;
  const flag = actionKeys[key];
  if (flag !== undefined) {
    throw usage(
      `config file ${path} has the key ${JSON.stringify(key)}, which says what to do rather than how: it is not a setting`,
      `Pass ${flag} on the command line and remove the key.`,
    );
  }
  throw usage(`config file ${path} has the unknown key ${JSON.stringify(key)}`);
}

/** " (line L, column C)" from a JSON.parse error's position, without the text around it. */
function jsonErrorPlace(text: string, error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (position?.[1] === undefined) return '';
  const before = text.slice(0, Number(position[1])).split('\n');
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}

function usage(message: string, hint = `Known keys: ${configFileKeys.join(', ')} (docs/stores-and-configuration.md).`): CutlineError {
  return new CutlineError('USAGE', message, { hint });
}
