// The two ways S3BackupStore uploads a body: one streaming PUT retried here, or a multipart upload.
import type { S3Client } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { CutlineError } from '../errors.js';
import type { Random } from '../random.js';
import { storeMultipartQueueMax } from '../limits.js';
import type { PutBody, StreamBody } from './backup-store.js';
import { bodySizeBytes, isStreamBody } from './backup-store.js';
import { isTransientS3Error, mapS3Error, type S3ErrorContext } from './s3-errors.js';
import { sizeCheckingStream } from './size-checking-stream.js';
import { backoffDelayMs, sleep } from './retry.js';

/** Where and how one object is uploaded. */
export interface UploadTarget {
  readonly client: S3Client;
  /** A client without SDK retries, for bodies the SDK could not re-send. */
  readonly streamingClient: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly objectKey: string;
  readonly attemptsMax: number;
  readonly partBytes: number;
  readonly random: Random;
  readonly context: S3ErrorContext;
}

export type ObjectMetadataParam = { Metadata?: Record<string, string> };

// The SDK cannot retry a request whose body stream it has consumed, so streaming PUTs go through
// a client without retries, and this loop re-opens the body for every attempt.
export async function putStream(
  target: UploadTarget,
  body: StreamBody,
  metadata: ObjectMetadataParam,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { key, objectKey, context } = target;
  for (let failures = 0; ;) {
    // The HTTP handler does not notice a body stream that fails (it waits for the rest of
    // ContentLength), so a failing body aborts its own request.
    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const source = sizeCheckingStream(body.open(), body.sizeBytes, key);
    let sourceError: unknown;
    source.on('error', (error) => {
      sourceError = error;
      attempt.abort(error);
    });
    const command = new PutObjectCommand({
      Bucket: target.bucket,
      Key: objectKey,
      Body: source,
      ContentLength: body.sizeBytes,
      ...metadata,
    });
    try {
      await target.streamingClient.send(command, { abortSignal: attempt.signal });
      return;
    } catch (error) {
      signal?.throwIfAborted();
      if (sourceError instanceof CutlineError) throw sourceError;
      const cause = sourceError ?? error;
      failures += 1;
      if (!isTransientS3Error(cause) || failures >= target.attemptsMax) throw mapS3Error(cause, context);
      await sleep(backoffDelayMs(failures - 1, target.random), signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

// lib-storage buffers each part, so the SDK's own retries can re-send a failed part.
export async function putMultipart(
  target: UploadTarget,
  body: PutBody,
  metadata: ObjectMetadataParam,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { key, objectKey } = target;
  const source = isStreamBody(body) ? sizeCheckingStream(body.open(), body.sizeBytes, key) : Readable.from([body]);
  const upload = new Upload({
    client: target.client,
    params: { Bucket: target.bucket, Key: objectKey, Body: source, ContentLength: bodySizeBytes(body), ...metadata },
    partSize: target.partBytes,
    queueSize: storeMultipartQueueMax,
    leavePartsOnError: false,
  });
  const onAbort = (): void => void upload.abort().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof CutlineError) throw error;
    const sourceError = (source as Readable & { errored?: unknown }).errored;
    if (sourceError instanceof CutlineError) throw sourceError;
    throw mapS3Error(error, target.context);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
