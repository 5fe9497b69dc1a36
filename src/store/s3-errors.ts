// Maps S3 SDK failures to CutlineErrors whose message and cause carry no secret and no server text.
import { CutlineError } from '../errors.js';

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly attempts?: number };
}

/** The HTTP status of an SDK error, when the server answered at all. */
export function s3Status(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`, ...) or the Node error code of a network failure. */
export function s3ErrorName(error: unknown): string {
  const shape = error as SdkErrorShape | undefined;
  return shape?.code ?? shape?.name ?? 'UnknownError';
}

const accessDeniedNames = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);
const notFoundNames = new Set(['NoSuchKey', 'NotFound']);

export interface S3ErrorContext {
  readonly operation: string;
  readonly bucket: string;
  readonly key: string;
  readonly description: string;
}

/**
 * Builds the CutlineError for a failed request. The message is made only of the operation, the
 * object, the S3 error code and the HTTP status: server messages and SDK errors can echo request
 * headers (the access key id, a session token), so neither they nor the SDK error object are kept.
 */
export function mapS3Error(error: unknown, context: S3ErrorContext): CutlineError {
  const name = s3ErrorName(error);
  const status = s3Status(error);
  const attempts = (error as SdkErrorShape | undefined)?.$metadata?.attempts;
  const where = `${context.operation} ${context.key} in ${context.description}`;
  // A HEAD answer has no body, so the SDK names its error "Unknown": the status says more.
  const parts = [name === 'Unknown' || name === 'UnknownError' ? undefined : name, status === undefined ? undefined : `HTTP ${status}`];
  if (attempts !== undefined && attempts > 1) parts.push(`after ${attempts} attempts`);
  const detail = parts.filter((part) => part !== undefined).join(', ');
  const cause = new Error(`S3 ${detail}`);
  if (name === 'NoSuchBucket') {
    return new CutlineError('STORE_UNAVAILABLE', `cannot ${where}: bucket ${context.bucket} does not exist (${detail})`, {
      cause,
      hint: 'Create the bucket first, or correct --store s3://bucket/prefix and --s3-endpoint.',
    });
  }
  if (notFoundNames.has(name) || status === 404) {
    return new CutlineError('STORE_NOT_FOUND', `object ${context.key} does not exist in ${context.description}`, { cause });
  }
  if ((name === 'PreconditionFailed' || status === 412) && context.operation === 'get') {
    // A read resumed with If-Match on the ETag it started with: the object was replaced meanwhile.
    return new CutlineError('STORE_OBJECT_CHANGED', `cannot ${where}: the object was replaced while it was read (${detail})`, { cause });
  }
  if (name === 'PreconditionFailed' || status === 412) {
    return new CutlineError(
      'STORE_ALREADY_EXISTS',
      `object ${context.key} already exists in ${context.description}; a create-only write never replaces it`,
      {
        cause,
        hint: 'A backup id can be used once: choose a higher one.',
      },
    );
  }
  if (name === 'InvalidRange' || status === 416) {
    return new CutlineError('STORE_RANGE_INVALID', `the byte range asked of ${context.key} lies beyond its end (${detail})`, { cause });
  }
  if (accessDeniedNames.has(name) || status === 403) {
    return new CutlineError('STORE_ACCESS_DENIED', `cannot ${where}: access denied (${detail})`, {
      cause,
      hint: 'Check the credentials of the AWS default chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...) and the bucket policy.',
    });
  }
  if (name.includes('Region')) {
    return new CutlineError('USAGE', `cannot ${where}: no S3 region is configured`, {
      cause,
      hint: 'Pass --s3-region or set CUTLINE_S3_REGION or AWS_REGION.',
    });
  }
  return new CutlineError('STORE_UNAVAILABLE', `cannot ${where}: ${detail}`, {
    cause,
    hint: 'The store did not answer or failed after retries; check the endpoint and the network, then re-run.',
  });
}

/** Whether a failure is worth another attempt: throttling, a server error or a broken connection. */
export function isTransientS3Error(error: unknown): boolean {
  const status = s3Status(error);
  if (status !== undefined) return status === 429 || status === 503 || status >= 500 || s3ErrorName(error) === 'SlowDown';
  const name = s3ErrorName(error);
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout', 'ERR_STREAM_PREMATURE_CLOSE'].includes(
    name,
  );
}
