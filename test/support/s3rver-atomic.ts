// s3rver writes an object in place: it truncates the file, streams the body into it and then rewrites the metadata,
// so a GET, HEAD or listing running meanwhile sees an empty or half-written object (a manifest that "is not valid
// JSON"), and a delete that prunes empty directories can remove the one a PUT is about to write into. S3 itself makes
// a PUT visible whole or not at all, and cutline relies on that. This gives the loopback server that guarantee: the
// body is staged in a file of its own, then renamed into place with its metadata while no other request of the
// store looks at object files; an upload whose body never arrives whole is not stored at all, as in S3.
import type S3rver from 's3rver';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

type Method = (...args: unknown[]) => Promise<unknown>;

/** The part of s3rver's FilesystemStore (lib/stores/filesystem.js, 3.x) that this replaces or wraps. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  [method: string]: unknown;
}

/** The store's methods that read or remove object files: each runs alone, never beside a placement. */
const guarded = ['getObject', 'existsObject', 'listObjects', 'deleteObject', 'copyObject'] as const;

export function makeObjectWritesAtomic(server: S3rver, stagingDirectory: string): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };
  for (const name of guarded) {
    const original = store[name];
    if (typeof original !== 'function') throw new Error(`s3rver's store has no ${name}: makeObjectWritesAtomic needs s3rver 3.x`);
    const bound = (original as Method).bind(store);
    store[name] = (...args: unknown[]) => exclusive(() => bound(...args));
  }
  store.putObject = async (object) => {
    const staged = join(stagingDirectory, randomUUID());
    try {
      const md5 = createHash('md5');
      let size = 0;
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await mkdir(stagingDirectory, { recursive: true });
      await pipeline(source, count, createWriteStream(staged));
      const digest = md5.digest('hex');
      await exclusive(async () => {
        const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
        await mkdir(dirname(objectPath), { recursive: true });
        await rename(staged, objectPath);
        await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      });
      return { size, md5: digest };
    } finally {
      await rm(staged, { force: true });
    }
  };
}
