// FileSystemBackupStore: the embedded default store, one file per object under a root directory.
import { createWriteStream, constants as fsConstants } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CutlineError } from '../errors.js';
import { storeCreateOnlyBytesMax, storeReadChunkBytes, storeWholeReadBytesMax } from '../limits.js';
import type {
  BackupStore,
  GetOptions,
  ListEntry,
  ObjectInfo,
  ObjectMetadata,
  PutBody,
  PutOptions,
  StoreCallOptions,
} from './backup-store.js';
import { isStreamBody } from './backup-store.js';
import { resolveRange, validateKey, validateMetadata, validatePrefix } from './store-key.js';
import { listDirectoryTree } from './fs-list.js';
import { linkRefused, StoreContainment } from './fs-containment.js';
import { sizeCheckingStream } from './size-checking-stream.js';

/** Object metadata lives beside the objects, in a tree no valid key can reach (keys never start with '.'). */
const metadataDirectory = '.metadata';

/**
 * Objects are plain files at `{root}/{key}`, so an operator can read a backup with ordinary tools.
 * A put writes `.{name}.tmp-{random}` in the object's directory, fsyncs it, then renames it over the
 * final name (or links it, for create-only puts, which fails atomically when the name exists) and
 * fsyncs the directory: a crash leaves either the old object or the new one, plus at most a
 * temporary file that listings ignore.
 */
export class FileSystemBackupStore implements BackupStore {
  readonly description: string;
  private readonly containment: StoreContainment;

  constructor(private readonly root: string) {
    this.description = `filesystem store ${root}`;
    this.containment = new StoreContainment(root, unavailable);
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const { path } = await this.checkedPath(key);
    if (options.metadata !== undefined) validateMetadata(options.metadata);
    options.signal?.throwIfAborted();
    if (options.ifNoneMatch === true && isStreamBody(body) && body.sizeBytes > storeCreateOnlyBytesMax) {
      throw new CutlineError(
        'LIMIT_EXCEEDED',
        `create-only put of ${key} is ${body.sizeBytes} bytes, more than storeCreateOnlyBytesMax (${storeCreateOnlyBytesMax})`,
      );
    }
    await this.ensureDirectory(dirname(path), key);
    const temporary = join(dirname(path), `.${path.slice(dirname(path).length + 1)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await writeDurably(temporary, body, key, options.signal).catch(async (error: unknown) => {
        // A concurrent delete may have pruned the (then empty) directory: recreate it once.
        if (errorCode(error) !== 'ENOENT' || isStreamBody(body)) throw error;
        await this.ensureDirectory(dirname(path), key);
        await writeDurably(temporary, body, key, options.signal);
      });
      options.signal?.throwIfAborted();
      if (options.ifNoneMatch === true) {
        if (await exists(path)) throw alreadyExists(key);
        await this.writeMetadata(key, options.metadata);
        await link(temporary, path).catch((error: unknown) => {
          throw errorCode(error) === 'EEXIST' ? alreadyExists(key) : unavailable('create', key, error);
        });
        await unlink(temporary);
      } else {
        await this.writeMetadata(key, options.metadata);
        await rename(temporary, path);
      }
      await fsyncPath(dirname(path), 'r');
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      options.signal?.throwIfAborted();
      throw error instanceof CutlineError ? error : unavailable('write', key, error);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const { path, directoriesExist } = await this.checkedPath(key);
    options.signal?.throwIfAborted();
    if (!directoriesExist) throw notFound(key);
    // O_NOFOLLOW: a link put in place after the check is refused too (ELOOP), never read through.
    const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW).catch((error: unknown) => {
      if (errorCode(error) === 'ELOOP') throw linkRefused(key, key);
      throw isMissing(error) ? notFound(key) : unavailable('read', key, error);
    });
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notFound(key);
      const size = stats.size;
      const { start, endExclusive } = resolveRange(key, options.range ?? { offsetBytes: 0 }, size);
      if (endExclusive === start) {
        await handle.close();
        return Readable.from([]);
      }
      const streamOptions = options.signal === undefined ? {} : { signal: options.signal };
      return handle.createReadStream({
        start,
        end: endExclusive - 1,
        autoClose: true,
        // An object no larger than a stored chunk (every chunk of a chunked backup) is read in one piece, which its reader
        // (readAll) keeps without copying; a larger one streams in pieces of storeReadChunkBytes.
        highWaterMark: endExclusive - start <= storeWholeReadBytesMax ? endExclusive - start : storeReadChunkBytes,
        ...streamOptions,
      });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async copyToFile(key: string, path: string, options: StoreCallOptions = {}): Promise<number> {
    const { path: source, directoriesExist } = await this.checkedPath(key);
    options.signal?.throwIfAborted();
    if (!directoriesExist) throw notFound(key);
    const stats = await stat(source).catch((error: unknown) => {
      throw isMissing(error) ? notFound(key) : unavailable('read', key, error);
    });
    if (!stats.isFile()) throw notFound(key);
    // libuv's copyfile: copy_file_range(2) where the kernel has it, the bytes never enter the process.
    await copyFile(source, path).catch((error: unknown) => {
      throw isMissing(error) ? notFound(key) : unavailable('copy', key, error);
    });
    options.signal?.throwIfAborted();
    return (await stat(path)).size;
  }

  async *list(prefix: string, options: StoreCallOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix);
    // Links met while walking are skipped (they are not objects); a prefix naming a path through one is refused.
    const directories = prefix.split('/').slice(0, -1);
    if (!(await this.containment.directoriesExist(directories, prefix))) return;
    yield* listDirectoryTree(this.root, prefix, options.signal);
  }

  async head(key: string, options: StoreCallOptions = {}): Promise<ObjectInfo | undefined> {
    const { path, directoriesExist } = await this.checkedPath(key);
    options.signal?.throwIfAborted();
    if (!directoriesExist) return undefined;
    const stats = await stat(path).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw unavailable('stat', key, error);
    });
    if (stats === undefined || !stats.isFile()) return undefined;
    return { key, sizeBytes: stats.size, metadata: await this.readMetadata(key) };
  }

  async delete(key: string, options: StoreCallOptions = {}): Promise<void> {
    const { path, directoriesExist } = await this.checkedPath(key);
    options.signal?.throwIfAborted();
    if (!directoriesExist) return;
    await unlink(path).catch((error: unknown) => {
      if (!isMissing(error)) throw unavailable('delete', key, error);
    });
    await unlink((await this.metadataPath(key)).path).catch(() => undefined);
    await this.pruneEmptyDirectories(dirname(path));
    await fsyncPath(dirname(path), 'r').catch(() => undefined);
  }

  /** The object's path, once neither a directory on its way nor the object itself is a link (fs-containment.ts). */
  private async checkedPath(key: string): Promise<{ readonly path: string; readonly directoriesExist: boolean }> {
    const parts = validateKey(key);
    const path = join(this.root, ...parts);
    const directoriesExist = await this.containment.directoriesExist(parts.slice(0, -1), key);
    if (directoriesExist) await this.containment.refuseLinkedObject(path, key);
    return { path, directoriesExist };
  }

  /** The sidecar's path, checked as objects are; undefined when its directory does not exist yet. */
  private async metadataPath(key: string): Promise<{ readonly path: string; readonly directoriesExist: boolean }> {
    const parts = [metadataDirectory, ...validateKey(key)];
    const directoriesExist = await this.containment.directoriesExist(parts.slice(0, -1), key);
    return { path: `${join(this.root, ...parts)}.json`, directoriesExist };
  }

  // A directory created here is durable only once its entry in its parent is: each parent of a
  // new directory is fsynced, from the deepest up, before any object is renamed into it.
  private async ensureDirectory(directory: string, key: string): Promise<void> {
    const firstCreated = await mkdir(directory, { recursive: true }).catch((error: unknown) => {
      throw errorCode(error) === 'ENOTDIR' || errorCode(error) === 'EEXIST'
        ? new CutlineError('STORE_KEY_INVALID', `cannot store ${key}: a part of its path is an object, not a directory`)
        : unavailable('create directory for', key, error);
    });
    if (firstCreated === undefined) return;
    for (let created = directory; created.length >= firstCreated.length; created = dirname(created)) {
      await fsyncPath(dirname(created), 'r');
    }
  }

  // The sidecar is written before the object becomes visible, so a reader that sees the object
  // sees its metadata; an object put without metadata removes a stale sidecar.
  private async writeMetadata(key: string, metadata: ObjectMetadata | undefined): Promise<void> {
    const { path } = await this.metadataPath(key);
    if (metadata === undefined || Object.keys(metadata).length === 0) {
      await unlink(path).catch(() => undefined);
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await writeDurably(temporary, Buffer.from(JSON.stringify(metadata)), key);
    await rename(temporary, path);
  }

  private async readMetadata(key: string): Promise<ObjectMetadata> {
    const { path, directoriesExist } = await this.metadataPath(key);
    if (!directoriesExist) return {};
    const text = await readFile(path, { encoding: 'utf8', flag: fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW }).catch((error: unknown) => {
      if (errorCode(error) === 'ELOOP') throw linkRefused(key, `the metadata of ${key}`);
      if (isMissing(error)) return undefined;
      throw unavailable('read metadata of', key, error);
    });
    return text === undefined ? {} : (JSON.parse(text) as ObjectMetadata);
  }

  // Empty directories left by deletes are removed up to the root, so listings stay fast.
  private async pruneEmptyDirectories(directory: string): Promise<void> {
    let current = directory;
    while (current.length > this.root.length && current.startsWith(this.root)) {
      const entries = await readdir(current).catch(() => ['?']);
      if (entries.length > 0) return;
      await rmdir(current).catch(() => undefined);
      current = dirname(current);
    }
  }
}

async function writeDurably(path: string, body: PutBody, key: string, signal?: AbortSignal): Promise<void> {
  if (!isStreamBody(body)) {
    const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return;
  }
  const output = createWriteStream(path, { flags: 'wx', mode: 0o644 });
  await pipeline(sizeCheckingStream(body.open(), body.sizeBytes, key), output, signal === undefined ? {} : { signal });
  await fsyncPath(path, 'r+');
}

/** fsync of a file or (opened read-only) a directory, so a rename or link in it is durable. */
async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  return errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR' || errorCode(error) === 'EISDIR';
}

function notFound(key: string): CutlineError {
  return new CutlineError('STORE_NOT_FOUND', `object ${key} does not exist in the store`);
}

function alreadyExists(key: string): CutlineError {
  return new CutlineError('STORE_ALREADY_EXISTS', `object ${key} already exists; a create-only write never replaces it`, {
    hint: 'A backup id can be used once: choose a higher one.',
  });
}

function unavailable(operation: string, key: string, error: unknown): CutlineError {
  const detail = error instanceof Error ? error.message : String(error);
  if (errorCode(error) === 'EACCES' || errorCode(error) === 'EPERM' || errorCode(error) === 'EROFS') {
    return new CutlineError('STORE_ACCESS_DENIED', `could not ${operation} ${key}: ${detail}`, {
      cause: error,
      hint: 'Check the permissions of the store directory.',
    });
  }
  return new CutlineError('STORE_UNAVAILABLE', `could not ${operation} ${key}: ${detail}`, { cause: error });
}
