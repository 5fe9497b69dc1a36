// Which backup store a command uses: `--store <directory | s3://bucket/prefix>` and the S3 settings, or their environment variables.
import { resolve } from 'node:path';
import { CutlineError } from '../errors.js';
import type { BackupStore } from './backup-store.js';
import { FileSystemBackupStore } from './fs-backup-store.js';
import { S3BackupStore } from './s3-backup-store.js';
import { validatePrefix } from './store-key.js';

export type StoreConfig =
  | { readonly kind: 'filesystem'; readonly directory: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint?: string;
      readonly region?: string;
      readonly forcePathStyle: boolean;
    };

/** The settings as given on the command line; undefined means "not given" (the environment may give it). */
export interface StoreSettings {
  readonly store?: string | undefined;
  readonly s3Endpoint?: string | undefined;
  readonly s3Region?: string | undefined;
  readonly s3ForcePathStyle?: boolean | undefined;
}

export const storeEnvironmentVariables = {
  store: 'CUTLINE_STORE',
  s3Endpoint: 'CUTLINE_S3_ENDPOINT',
  s3Region: 'CUTLINE_S3_REGION',
  s3ForcePathStyle: 'CUTLINE_S3_FORCE_PATH_STYLE',
} as const;

const storeFlags = {
  store: '--store',
  s3Endpoint: '--s3-endpoint',
  s3Region: '--s3-region',
  s3ForcePathStyle: '--s3-force-path-style',
} as const;

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const regionPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const storeHint = 'Pass --store <directory | s3://bucket/prefix> (or set CUTLINE_STORE); S3 credentials come from the AWS default chain.';

/** The store settings of a config file, by their file keys (`store`, `s3-endpoint`, ...), and the file's path for messages. */
export interface StoreFileSettings {
  readonly path: string;
  readonly values: ReadonlyMap<string, unknown>;
}

type StoreSettingName = keyof typeof storeEnvironmentVariables;
interface Picked {
  readonly value: string | boolean;
  readonly source: string;
  /** 0 flag, 1 environment, 2 file. */
  readonly rank: number;
}

/**
 * Flags win over environment variables, which win over the config file; every bad value is a USAGE
 * error naming the setting and where it came from.
 */
export function resolveStoreConfig(
  settings: StoreSettings,
  environment: NodeJS.ProcessEnv = process.env,
  file?: StoreFileSettings,
): StoreConfig {
  const pick = (name: StoreSettingName): Picked | undefined => {
    const flag = settings[name];
    if (flag !== undefined) return { value: flag, source: storeFlags[name], rank: 0 };
    const fromEnvironment = environment[storeEnvironmentVariables[name]];
    if (fromEnvironment !== undefined && fromEnvironment !== '')
      return { value: fromEnvironment, source: storeEnvironmentVariables[name], rank: 1 };
    const key = storeFlags[name].slice(2);
    const fromFile = file?.values.get(key);
    if (fromFile === undefined || file === undefined) return undefined;
    const expected = name === 's3ForcePathStyle' ? 'boolean' : 'string';
    if (typeof fromFile !== expected && !(name === 's3ForcePathStyle' && typeof fromFile === 'string'))
      throw usage(`${key} in ${file.path} must be a ${expected}, got ${JSON.stringify(fromFile)}`);
    return { value: fromFile as string | boolean, source: `${key} in ${file.path}`, rank: 2 };
  };
  const store = pick('store');
  if (store === undefined) throw usage('no backup store is configured');
  const text = (picked: Picked | undefined) => (picked === undefined ? undefined : { value: String(picked.value), source: picked.source });
  const forcePathStyleSetting = pick('s3ForcePathStyle');
  const forcePathStyle =
    typeof forcePathStyleSetting?.value === 'boolean' ? forcePathStyleSetting.value : parseBoolean(text(forcePathStyleSetting));
  const endpoint = text(pick('s3Endpoint'));
  const region = text(pick('s3Region'));
  const storeValue = String(store.value);
  if (!storeValue.startsWith('s3://')) {
    // A file may describe an S3 store that a flag or the environment replaces with a directory: its S3 settings go with it.
    const given = (['s3Endpoint', 's3Region', 's3ForcePathStyle'] as const)
      .map((name) => pick(name))
      .filter((picked) => picked !== undefined && (picked.rank < 2 || store.rank === 2))
      .map((picked) => picked?.source);
    if (given.length > 0) throw usage(`${given.join(', ')} only apply to s3:// stores, but ${store.source} names a directory`);
    return filesystemStore(storeValue, store.source);
  }
  const { bucket, prefix } = parseS3Url(storeValue, store.source);
  return {
    kind: 's3',
    bucket,
    prefix,
    ...(endpoint === undefined ? {} : { endpoint: parseEndpoint(endpoint.value, endpoint.source) }),
    ...(region === undefined ? {} : { region: parseRegion(region.value, region.source) }),
    forcePathStyle: forcePathStyle ?? false,
  };
}

function filesystemStore(value: string, source: string): StoreConfig {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file://')) {
    throw usage(
      `${source} has an unsupported scheme in ${JSON.stringify(value.split('://')[0])}://; use a directory or s3://bucket/prefix`,
    );
  }
  const directory = value.startsWith('file://') ? value.slice('file://'.length) : value;
  if (directory === '') throw usage(`${source} is empty`);
  return { kind: 'filesystem', directory: resolve(directory) };
}

/** Opens the store a configuration names; S3 credentials come from the AWS default chain. */
export function openBackupStore(config: StoreConfig): BackupStore {
  if (config.kind === 'filesystem') return new FileSystemBackupStore(config.directory);
  return new S3BackupStore({
    bucket: config.bucket,
    prefix: config.prefix,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.region === undefined ? {} : { region: config.region }),
  });
}

function parseS3Url(url: string, source: string): { bucket: string; prefix: string } {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (!bucketPattern.test(bucket) || bucket.includes('..')) {
    throw usage(`${source}: ${JSON.stringify(bucket)} is not a valid S3 bucket name (3 to 63 lower-case letters, digits, '.' and '-')`);
  }
  try {
    validatePrefix(prefix);
  } catch (error) {
    throw usage(`${source}: the prefix ${JSON.stringify(prefix)} is not valid: ${(error as Error).message}`);
  }
  return { bucket, prefix };
}

function parseEndpoint(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`${source} is not a URL`);
  }
  // The value is not echoed: a URL with user info carries a secret.
  if (url.username !== '' || url.password !== '')
    throw usage(`${source} contains user credentials; give credentials through the AWS default chain instead`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usage(`${source} must be an http:// or https:// URL, not ${url.protocol}//`);
  return value;
}

function parseRegion(value: string, source: string): string {
  if (!regionPattern.test(value)) throw usage(`${source}: ${JSON.stringify(value)} is not an S3 region name (like eu-central-1)`);
  return value;
}

function parseBoolean(setting: { value: string; source: string } | undefined): boolean | undefined {
  if (setting === undefined) return undefined;
  const value = setting.value.toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw usage(`${setting.source} must be true or false, got ${JSON.stringify(setting.value)}`);
}

function usage(message: string): CutlineError {
  return new CutlineError('USAGE', message, { hint: storeHint });
}
