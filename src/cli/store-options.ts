// The store options every command that reads or writes backups shares, so store selection is the same everywhere.
import type { Argv } from 'yargs';
import { resolveStoreConfig, storeEnvironmentVariables, type StoreConfig } from '../store/store-config.js';
import { withConfigOption, type ConfigArguments, type ConfigFile } from './config-file.js';

export interface StoreArguments extends ConfigArguments {
  readonly store: string | undefined;
  readonly 's3-endpoint': string | undefined;
  readonly 's3-region': string | undefined;
  readonly 's3-force-path-style': boolean | undefined;
}

/** Adds --store, --s3-endpoint, --s3-region, --s3-force-path-style and --config to a command's options. */
export function withStoreOptions<T>(yargs: Argv<T>): Argv<T & StoreArguments> {
  return withConfigOption(yargs)
    .option('store', {
      type: 'string',
      describe: 'Backup store: a directory, or s3://bucket/prefix [env CUTLINE_STORE]',
      group: 'Backup store:',
    })
    .option('s3-endpoint', {
      type: 'string',
      describe: 'URL of an S3-compatible endpoint (MinIO, Ceph, ...); AWS when omitted [env CUTLINE_S3_ENDPOINT]',
      group: 'Backup store:',
    })
    .option('s3-region', {
      type: 'string',
      describe: 'S3 region; else AWS_REGION or the profile [env CUTLINE_S3_REGION]',
      group: 'Backup store:',
    })
    .option('s3-force-path-style', {
      type: 'boolean',
      describe: 'Address buckets as endpoint/bucket instead of bucket.endpoint [env CUTLINE_S3_FORCE_PATH_STYLE]',
      group: 'Backup store:',
    })
    .epilogue('S3 credentials come from the AWS default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, instance roles.');
}

/** The store configuration from parsed arguments, else the environment, else the config file. */
export function storeConfigFromArguments(
  argv: StoreArguments,
  file: ConfigFile | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  return resolveStoreConfig(
    { store: argv.store, s3Endpoint: argv['s3-endpoint'], s3Region: argv['s3-region'], s3ForcePathStyle: argv['s3-force-path-style'] },
    environment,
    file,
  );
}

/** Whether any source names a store (the engine runs without one). */
export function storeIsConfigured(
  argv: StoreArguments,
  file: ConfigFile | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): boolean {
  return argv.store !== undefined || (environment[storeEnvironmentVariables.store] ?? '') !== '' || file?.values.has('store') === true;
}
