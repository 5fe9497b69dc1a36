// S3BackupStore: objects in an S3 bucket (AWS or any S3-compatible server) under a key prefix.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { CutlineError } from '../errors.js';
import { systemRandom, type Random } from '../random.js';
import {
  storeCreateOnlyBytesMax,
  storeListPageKeysMax,
  storeMultipartPartBytes,
  storeRequestAttemptsMax,
  storeSinglePutBytesMax,
} from '../limits.js';
import type { BackupStore, ByteRange, GetOptions, ListEntry, ObjectInfo, PutBody, PutOptions, StoreCallOptions } from './backup-store.js';
import { bodySizeBytes, isStreamBody, readAll } from './backup-store.js';
import { resolveRange, validateKey, validateMetadata, validatePrefix } from './store-key.js';
import { isTransientS3Error, mapS3Error, s3ErrorName, s3Status, type S3ErrorContext } from './s3-errors.js';
import { resumingStream } from './resuming-stream.js';
import { putMultipart, putStream, type UploadTarget } from './s3-uploads.js';
import { sizeCheckingStream } from './size-checking-stream.js';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3BackupStoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/'; '' for the bucket's root. */
  readonly prefix: string;
  /** When omitted: the AWS default chain (AWS_REGION, the profile), or us-east-1 with a custom endpoint. */
  readonly region?: string;
  /** An S3-compatible endpoint URL; AWS S3 when omitted. */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  /** When omitted: the AWS default credential chain (environment, profile, SSO, IMDS, ...). */
  readonly credentials?: S3Credentials;
  readonly attemptsMax?: number;
  readonly multipartPartBytes?: number;
  /** Bodies up to this size are one PUT; larger ones a multipart upload of multipartPartBytes parts. */
  readonly singlePutBytesMax?: number;
  readonly listPageKeys?: number;
  readonly random?: Random;
}

/**
 * Retries: the SDK's standard strategy (exponential backoff with full jitter on throttling, 5xx
 * and broken connections) for every request it can repeat; a streaming PUT is retried here,
 * re-opening its body; a download that breaks off mid-body is resumed with a ranged GET (see
 * resuming-stream.ts). Bodies over singlePutBytesMax become multipart uploads (lib-storage).
 *
 * Create-only puts send `If-None-Match: *`, which AWS S3, MinIO, Ceph RGW and Cloudflare R2 honour
 * atomically. Servers that ignore the header (s3rver) or refuse it (HTTP 501) get a HEAD first:
 * that refuses an existing object, but two writers racing on the same key may both succeed there.
 */
export class S3BackupStore implements BackupStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly streamingClient: S3Client;
  private readonly singlePutBytes: number;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly attemptsMax: number;
  private readonly partBytes: number;
  private readonly pageKeys: number;
  private readonly random: Random;

  constructor(options: S3BackupStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix === '' ? '' : `${options.prefix}/`;
    this.attemptsMax = options.attemptsMax ?? storeRequestAttemptsMax;
    this.partBytes = options.multipartPartBytes ?? storeMultipartPartBytes;
    this.singlePutBytes = options.singlePutBytesMax ?? storeSinglePutBytesMax;
    this.pageKeys = Math.min(options.listPageKeys ?? storeListPageKeysMax, storeListPageKeysMax);
    this.random = options.random ?? systemRandom;
    this.description = `s3://${options.bucket}/${options.prefix}${options.endpoint === undefined ? '' : ` at ${options.endpoint}`}`;
    // The SDK warns on Node 20 that *future* SDK releases need Node 22. cutline pins its SDK in the
    // lock file and supports Node 20, so the warning says nothing an operator can act on.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const region = options.region ?? (options.endpoint === undefined ? undefined : 'us-east-1');
    const clientConfig = {
      ...(region === undefined ? {} : { region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
      retryMode: 'standard',
      // Integrity is end to end (every file's SHA-256 is in its manifest); SDK checksum trailers use
      // aws-chunked bodies that several S3-compatible servers store verbatim, so they are off.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The SDK writes to the console when a streaming request fails (which putStream retries
      // itself); failures reach the operator as CutlineErrors, and nothing the SDK says is logged.
      logger: silentLogger,
    } as const;
    this.client = new S3Client({ ...clientConfig, maxAttempts: this.attemptsMax });
    this.streamingClient = new S3Client({ ...clientConfig, maxAttempts: 1 });
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const objectKey = this.objectKey(key);
    if (options.metadata !== undefined) validateMetadata(options.metadata);
    options.signal?.throwIfAborted();
    const metadata = options.metadata === undefined ? {} : { Metadata: { ...options.metadata } };
    const context = this.context('put', key);
    if (options.ifNoneMatch === true) {
      await this.putCreateOnly(key, objectKey, body, metadata, options.signal);
      return;
    }
    if (bodySizeBytes(body) > this.singlePutBytes) {
      await putMultipart(this.uploadTarget(key, objectKey), body, metadata, options.signal);
    } else if (!isStreamBody(body)) {
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: body,
        ContentLength: body.byteLength,
        ...metadata,
      });
      await this.send(context, options.signal, (o) => this.client.send(command, o));
    } else {
      await putStream(this.uploadTarget(key, objectKey), body, metadata, options.signal);
    }
  }

  // One ranged GET, no HEAD first: the response says how many bytes follow. Only an empty range
  // or a 416 answer (a range beyond the end, or any range of an empty object) costs a HEAD.
  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const objectKey = this.objectKey(key);
    const range = options.range ?? { offsetBytes: 0 };
    resolveRange(key, range, Number.MAX_SAFE_INTEGER);
    if (range.lengthBytes === 0) return this.getEmptyRange(key, range, options);
    const context = this.context('get', key);
    const open = async (
      offsetBytes: number,
      endExclusive: number | undefined,
      etag: string | undefined,
    ): Promise<GetObjectCommandOutput> => {
      // A whole object is asked for without a Range: S3 answers a range of an empty object with 416.
      const whole = offsetBytes === 0 && endExclusive === undefined;
      const rangeHeader = whole ? {} : { Range: `bytes=${offsetBytes}-${endExclusive === undefined ? '' : endExclusive - 1}` };
      const command = new GetObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        ...rangeHeader,
        ...(etag === undefined ? {} : { IfMatch: etag }),
      });
      return this.send(context, options.signal, (o) => this.client.send(command, o));
    };
    const start = range.offsetBytes;
    let first: GetObjectCommandOutput;
    try {
      first = await open(start, range.lengthBytes === undefined ? undefined : start + range.lengthBytes, undefined);
    } catch (error) {
      if (error instanceof CutlineError && error.code === 'STORE_RANGE_INVALID') return this.getEmptyRange(key, range, options);
      throw error;
    }
    const endExclusive = start + (first.ContentLength ?? 0);
    return resumingStream(first.Body as Readable, {
      reopen: async (offsetBytes) => (await open(offsetBytes, endExclusive, first.ETag)).Body as Readable,
      startBytes: start,
      endExclusiveBytes: endExclusive,
      attemptsMax: this.attemptsMax,
      isTransient: isTransientS3Error,
      random: this.random,
      // A body that kept breaking off is the store failing, like a request that kept failing.
      finalError: (error) => (error instanceof CutlineError ? error : mapS3Error(error, context)),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** The answer for a range that holds no bytes: empty if the object has them, else the precise error. */
  private async getEmptyRange(key: string, range: ByteRange, options: StoreCallOptions): Promise<Readable> {
    const info = await this.head(key, options);
    if (info === undefined) throw new CutlineError('STORE_NOT_FOUND', `object ${key} does not exist in ${this.description}`);
    const { start, endExclusive } = resolveRange(key, range, info.sizeBytes);
    if (endExclusive !== start)
      throw new CutlineError('STORE_UNAVAILABLE', `${this.description} refused the byte range of ${key} that its size allows`);
    return Readable.from([]);
  }

  // ListObjects (version 1) with the last key seen as Marker: every S3 server supports it, while
  // s3rver cannot create the continuation tokens of version 2 on OpenSSL 3 (jamhall/s3rver#818).
  async *list(prefix: string, options: StoreCallOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix);
    const context = this.context('list', `${prefix}*`);
    let marker: string | undefined;
    while (true) {
      const command = new ListObjectsCommand({
        Bucket: this.bucket,
        Prefix: `${this.prefix}${prefix}`,
        MaxKeys: this.pageKeys,
        ...(marker === undefined ? {} : { Marker: marker }),
      });
      const page = await this.send(context, options.signal, (o) => this.client.send(command, o));
      const contents = page.Contents ?? [];
      for (const object of contents) {
        if (object.Key === undefined) continue;
        const key = object.Key.slice(this.prefix.length);
        yield { key, sizeBytes: object.Size ?? 0, ...(object.ETag === undefined ? {} : { version: object.ETag }) };
      }
      const last = contents.at(-1)?.Key;
      if (page.IsTruncated !== true || last === undefined) return;
      marker = last;
    }
  }

  async head(key: string, options: StoreCallOptions = {}): Promise<ObjectInfo | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const command = new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey });
      const response = await this.send(this.context('head', key), options.signal, (o) => this.client.send(command, o));
      const version = response.ETag === undefined ? {} : { version: response.ETag };
      return { key, sizeBytes: response.ContentLength ?? 0, ...version, metadata: response.Metadata ?? {} };
    } catch (error) {
      if (error instanceof CutlineError && error.code === 'STORE_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async delete(key: string, options: StoreCallOptions = {}): Promise<void> {
    const objectKey = this.objectKey(key);
    const command = new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey });
    await this.send(this.context('delete', key), options.signal, (o) => this.client.send(command, o));
  }

  /** Closes the HTTP connections; the store cannot be used afterwards. */
  destroy(): void {
    this.client.destroy();
    this.streamingClient.destroy();
  }

  private async putCreateOnly(
    key: string,
    objectKey: string,
    body: PutBody,
    metadata: { Metadata?: Record<string, string> },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (bodySizeBytes(body) > storeCreateOnlyBytesMax) {
      throw new CutlineError(
        'LIMIT_EXCEEDED',
        `create-only put of ${key} is ${bodySizeBytes(body)} bytes, more than storeCreateOnlyBytesMax (${storeCreateOnlyBytesMax})`,
      );
    }
    const bytes = isStreamBody(body) ? await readAll(sizeCheckingStream(body.open(), body.sizeBytes, key), signal) : body;
    if ((await this.head(key, signal === undefined ? {} : { signal })) !== undefined) {
      throw new CutlineError(
        'STORE_ALREADY_EXISTS',
        `object ${key} already exists in ${this.description}; a create-only write never replaces it`,
        {
          hint: 'A backup id can be used once: choose a higher one.',
        },
      );
    }
    const context = this.context('create', key);
    const command = (ifNoneMatch: boolean): PutObjectCommand =>
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: bytes,
        ContentLength: bytes.byteLength,
        ...metadata,
        ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      });
    const refusesHeader = (error: unknown): boolean => s3Status(error) === 501 || s3ErrorName(error) === 'NotImplemented';
    try {
      await this.send(context, signal, (o) => this.client.send(command(true), o), refusesHeader);
    } catch (error) {
      if (!(error instanceof NotImplementedByServer)) throw error;
      await this.send(context, signal, (o) => this.client.send(command(false), o));
    }
  }

  // Every request goes through here: the signal reaches the SDK, and a failure becomes a CutlineError.
  private async send<Output>(
    context: S3ErrorContext,
    signal: AbortSignal | undefined,
    request: (options: { abortSignal?: AbortSignal }) => Promise<Output>,
    notImplemented?: (error: unknown) => boolean,
  ): Promise<Output> {
    signal?.throwIfAborted();
    try {
      return await request(signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      signal?.throwIfAborted();
      if (notImplemented?.(error) === true) throw new NotImplementedByServer();
      throw mapS3Error(error, context);
    }
  }

  private uploadTarget(key: string, objectKey: string): UploadTarget {
    const { client, streamingClient, bucket, attemptsMax, partBytes, random } = this;
    return { client, streamingClient, bucket, key, objectKey, attemptsMax, partBytes, random, context: this.context('put', key) };
  }

  private objectKey(key: string): string {
    validateKey(key);
    return `${this.prefix}${key}`;
  }

  private context(operation: string, key: string): S3ErrorContext {
    return { operation, bucket: this.bucket, key, description: this.description };
  }
}

class NotImplementedByServer extends Error {}

const silentLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
