// Store selection: flags over environment variables, and a USAGE error naming every bad value.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { resolveStoreConfig, type StoreSettings } from '../../src/store/store-config.js';
import { CutlineError } from '../../src/errors.js';

function usageMessage(settings: StoreSettings, environment: NodeJS.ProcessEnv = {}): string {
  try {
    resolveStoreConfig(settings, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(CutlineError);
    expect((error as CutlineError).code).toBe('USAGE');
    return (error as CutlineError).message;
  }
  throw new Error('expected a USAGE error');
}

describe('resolveStoreConfig', () => {
  it('reads a directory store and resolves it to an absolute path', () => {
    expect(resolveStoreConfig({ store: 'backups' }, {})).toEqual({ kind: 'filesystem', directory: resolve('backups') });
    expect(resolveStoreConfig({ store: 'file:///var/b' }, {})).toEqual({ kind: 'filesystem', directory: '/var/b' });
  });

  it('reads an S3 store with its settings, flags winning over the environment', () => {
    const environment = {
      CUTLINE_STORE: 's3://env-bucket/x',
      CUTLINE_S3_ENDPOINT: 'http://127.0.0.1:9000',
      CUTLINE_S3_REGION: 'eu-west-1',
      CUTLINE_S3_FORCE_PATH_STYLE: 'true',
    };
    expect(resolveStoreConfig({}, environment)).toEqual({
      kind: 's3',
      bucket: 'env-bucket',
      prefix: 'x',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(resolveStoreConfig({ store: 's3://flag-bucket/a/b/', s3Region: 'us-east-2', s3ForcePathStyle: false }, environment)).toEqual({
      kind: 's3',
      bucket: 'flag-bucket',
      prefix: 'a/b',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-2',
      forcePathStyle: false,
    });
    expect(resolveStoreConfig({ store: 's3://bucket' }, {})).toEqual({ kind: 's3', bucket: 'bucket', prefix: '', forcePathStyle: false });
  });

  it('names what is wrong', () => {
    expect(usageMessage({})).toContain('no backup store is configured');
    expect(usageMessage({ store: 's3://Bad_Bucket/x' })).toContain('"Bad_Bucket" is not a valid S3 bucket name');
    expect(usageMessage({ store: 's3://bucket/../x' })).toContain('the prefix "../x" is not valid');
    expect(usageMessage({ store: 'gs://bucket/x' })).toContain('unsupported scheme in "gs"://');
    expect(usageMessage({ store: '/dir', s3Endpoint: 'http://x' })).toContain('--s3-endpoint only apply to s3:// stores');
    expect(usageMessage({ store: 's3://bucket', s3Endpoint: 'not a url' })).toContain('--s3-endpoint is not a URL');
    expect(usageMessage({ store: 's3://bucket', s3Endpoint: 'ftp://host' })).toContain('must be an http:// or https:// URL');
    expect(usageMessage({ store: 's3://bucket', s3Region: 'EU WEST' })).toContain('"EU WEST" is not an S3 region name');
    expect(usageMessage({ store: 's3://bucket' }, { CUTLINE_S3_FORCE_PATH_STYLE: 'maybe' })).toContain(
      'CUTLINE_S3_FORCE_PATH_STYLE must be true or false',
    );
  });

  it('never echoes an endpoint URL that carries credentials', () => {
    const message = usageMessage({ store: 's3://bucket', s3Endpoint: 'https://AKIAUSER:very-secret-key@minio.local:9000' });
    expect(message).toContain('contains user credentials');
    expect(message).not.toContain('very-secret-key');
  });

  it('falls back to the config file below the environment, names its keys, and lets a flag directory drop its S3 settings', () => {
    const path = '/etc/cutline.json';
    const file = (values: Record<string, unknown>) => ({ path, values: new Map(Object.entries(values)) });
    const s3File = file({ store: 's3://file-bucket/p', 's3-region': 'eu-west-1', 's3-force-path-style': true });
    expect(resolveStoreConfig({}, {}, s3File)).toEqual({
      kind: 's3',
      bucket: 'file-bucket',
      prefix: 'p',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(resolveStoreConfig({}, { CUTLINE_S3_REGION: 'us-east-2' }, s3File)).toMatchObject({ region: 'us-east-2' });
    // The flag's directory replaces the file's S3 store, and its S3 settings with it.
    expect(resolveStoreConfig({ store: '/b' }, {}, s3File)).toEqual({ kind: 'filesystem', directory: '/b' });
    const refused = (settings: StoreSettings, environment: NodeJS.ProcessEnv, values: Record<string, unknown>): string => {
      try {
        resolveStoreConfig(settings, environment, file(values));
      } catch (error) {
        return (error as CutlineError).message;
      }
      throw new Error('expected a USAGE error');
    };
    expect(refused({}, {}, { store: '/b', 's3-region': 'eu-west-1' })).toBe(
      `s3-region in ${path} only apply to s3:// stores, but store in ${path} names a directory`,
    );
    // The environment's S3 settings beside a flag's directory stay a mistake, as without a file.
    expect(refused({ store: '/b' }, { CUTLINE_S3_REGION: 'eu-west-1' }, {})).toBe(
      'CUTLINE_S3_REGION only apply to s3:// stores, but --store names a directory',
    );
    expect(refused({}, {}, { store: 5 })).toBe(`store in ${path} must be a string, got 5`);
    expect(refused({}, {}, { store: 's3://b/p', 's3-force-path-style': 'maybe' })).toBe(
      `s3-force-path-style in ${path} must be true or false, got "maybe"`,
    );
  });
});
