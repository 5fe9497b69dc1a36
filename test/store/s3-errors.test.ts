// What an S3 412 means depends on the request: a create-only PUT found the key, a resumed GET found another object.
import { describe, expect, it } from 'vitest';
import { mapS3Error } from '../../src/store/s3-errors.js';

const preconditionFailed = { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } };
const context = (operation: string) => ({ operation, bucket: 'b', key: 'manifests/1/1/0/manifest.json', description: 's3://b/p' });

describe('mapS3Error on HTTP 412', () => {
  it('is STORE_OBJECT_CHANGED for a get (If-Match on the ETag the read began with) and names the object', () => {
    const error = mapS3Error(preconditionFailed, context('get'));
    expect(error.code).toBe('STORE_OBJECT_CHANGED');
    expect(error.message).toContain('manifests/1/1/0/manifest.json');
    expect(error.message).toContain('HTTP 412');
  });

  it('stays STORE_ALREADY_EXISTS for a create-only put', () => {
    expect(mapS3Error(preconditionFailed, context('put')).code).toBe('STORE_ALREADY_EXISTS');
  });
});
