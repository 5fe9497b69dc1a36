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

/** Flags win over environment variables; every bad value is a USAGE error naming the setting. */
export function resolveStoreConfig(settings: StoreSettings, environment: NodeJS.ProcessEnv = process.env): StoreConfig {
  const pick = (name: keyof typeof storeEnvironmentVariables, flag: string | undefined): { value: string; source: string } | undefined => {
    if (flag !== undefined) return { value: flag, source: storeFlags[name] };
    const fromEnvironment = environment[storeEnvironmentVariables[name]];
    return fromEnvironment === undefined || fromEnvironment === ''
      ? undefined
      : { value: fromEnvironment, source: storeEnvironmentVariables[name] };
  };
  const store = pick('store', settings.store);
  if (store === undefined) throw usage('no backup store is configured');
  const endpoint = pick('s3Endpoint', settings.s3Endpoint);
  const region = pick('s3Region', settings.s3Region);
  const forcePathStyle = settings.s3ForcePathStyle ?? parseBoolean(pick('s3ForcePathStyle', undefined));
  if (!store.value.startsWith('s3://')) {
    const given = [endpoint?.source, region?.source, forcePathStyle === undefined ? undefined : '--s3-force-path-style'].filter(
      (name) => name !== undefined,
    );
    if (given.length > 0) throw usage(`${given.join(', ')} only apply to s3:// stores, but ${store.source} names a directory`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(store.value) && !store.value.startsWith('file://')) {
      throw usage(
        `${store.source} has an unsupported scheme in ${JSON.stringify(store.value.split('://')[0])}://; use a directory or s3://bucket/prefix`,
      );
    }
    const directory = store.value.startsWith('file://') ? store.value.slice('file://'.length) : store.value;
    if (directory === '') throw usage(`${store.source} is empty`);
    return { kind: 'filesystem', directory: resolve(directory) };
  }
  const { bucket, prefix } = parseS3Url(store.value, store.source);
  return {
    kind: 's3',
    bucket,
    prefix,
    ...(endpoint === undefined ? {} : { endpoint: parseEndpoint(endpoint.value, endpoint.source) }),
    ...(region === undefined ? {} : { region: parseRegion(region.value, region.source) }),
    forcePathStyle: forcePathStyle ?? false,
  };
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
