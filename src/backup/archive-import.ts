// Importing a backup archive into a store: every entry checked before it is trusted, manifests written last.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { CutlineError, isCutlineError } from '../errors.js';
import { assert } from '../assert.js';
import { archiveEntriesMax, archiveEntryBytesMax, archiveImportBufferBytesMax, manifestBytesMax } from '../limits.js';
import type { BackupStore, PutBody, StoreCallOptions } from '../store/backup-store.js';
import { getBytes, readAll } from '../store/backup-store.js';
import { validateKey } from '../store/store-key.js';
import { contentKey, contentsPrefix, manifestKey, manifestsPrefix } from './backup-layout.js';
import { parseManifest, serializeManifest, type Manifest } from './manifest.js';
import { createManifest } from './manifest-store.js';
import { archiveFormatVersions, archiveHeaderName, verifyingStream, type ArchiveHeader, type ArchiveSummary } from './archive.js';
import { archiveChunks, checkChunkBytes, storeArchiveChunk, type ArchiveChunk } from './archive-chunks.js';
import { chunksPrefix } from './chunk-format.js';
import { collectChunks } from './chunk-collection.js';
import { systemClock } from '../clock.js';

/** One entry of an archive being read (tar-stream does not export the type). */
type TarEntry = tar.Extract extends AsyncIterable<infer Entry> ? Entry : never;

interface ExpectedFile {
  readonly sizeBytes: number;
  readonly sha256: string;
  seen: boolean;
  /** A chunk of a format v2 backup (sizeBytes is then its stored length). */
  readonly chunk?: ArchiveChunk;
}

export interface ImportOptions extends StoreCallOptions {
  /** Entries up to this size are kept in memory, larger ones in a temporary file (archiveImportBufferBytesMax). */
  readonly bufferBytesMax?: number;
}

/** What an import has read so far: the header, the manifests, and the files they promise. */
interface ImportState {
  header: ArchiveHeader | undefined;
  readonly manifests: Manifest[];
  readonly expected: Map<string, ExpectedFile>;
  readonly written: string[];
  /** Manifests this import has tried to create, in order; the last one may or may not be stored. */
  readonly manifestsTried: Manifest[];
  /** Partitions this import stored chunks of: on failure a chunk collection removes those no manifest references. */
  readonly chunkPartitions: Set<number>;
  entries: number;
  /** Where entries too large for memory are spooled; made when the first one is. */
  spoolDirectory: string | undefined;
}

/** Where the import is in the tar, to name the entry when the tar itself turns out to be broken. */
interface TarProgress {
  /** The entry being read, from its header. */
  current: { readonly name: string; readonly sizeBytes: number } | undefined;
  /** The last entry read whole. */
  last: string | undefined;
  /** Whether every byte of the file went into the tar reader. */
  sourceEnded: boolean;
  /** The tar reader's first failure (tar-stream fails with a plain Error). */
  tarError: unknown;
  /** Whether reading the file failed: the tar reader then fails too, through no fault of the tar. */
  notTheTar: boolean;
}

/**
 * Imports the archive at path into store. Refused: entries with absolute paths, `..`, links,
 * devices or anything but regular files; sizes beyond the limits; names outside the layout;
 * contents not listed by a manifest read before them, or whose size or SHA-256 differs from it;
 * manifests that are not COMPLETED or already exist in the store. Contents go first; the
 * manifests, the commit point, are written create-only at the very end. On failure the manifests
 * it wrote are deleted (first), then the contents written so far.
 */
export async function importBackup(store: BackupStore, path: string, options: ImportOptions = {}): Promise<ArchiveSummary> {
  const state: ImportState = {
    header: undefined,
    manifests: [],
    expected: new Map(),
    written: [],
    manifestsTried: [],
    chunkPartitions: new Set(),
    entries: 0,
    spoolDirectory: undefined,
  };
  const progress: TarProgress = { current: undefined, last: undefined, sourceEnded: false, tarError: undefined, notTheTar: false };
  const source = createReadStream(path);
  try {
    const extract = tar.extract();
    extract.on('error', (error: unknown) => (progress.tarError ??= error));
    source.once('end', () => (progress.sourceEnded = true));
    source.once('error', () => (progress.notTheTar = true));
    const feeding = pipeline(source, extract, options.signal === undefined ? {} : { signal: options.signal });
    feeding.catch(() => undefined);
    for await (const entry of extract) {
      progress.current = { name: entry.header.name, sizeBytes: entry.header.size ?? 0 };
      await importEntry(store, entry, state, options);
      progress.last = progress.current.name;
      progress.current = undefined;
    }
    await feeding;
    const missing = [...state.expected.entries()].filter(([, file]) => !file.seen).map(([key]) => key);
    if (state.header === undefined) throw invalid(`the archive is empty: ${archiveHeaderName} is missing`);
    if (missing.length > 0) throw invalid(`the archive ends without ${missing.length} file(s) its manifests list, first ${missing[0]}`);
    for (const manifest of state.manifests) {
      state.manifestsTried.push(manifest);
      await createManifest(store, manifest, options);
    }
  } catch (error) {
    // An abort also fails the tar reader, through no fault of the tar.
    const failure = (options.signal?.aborted === true ? undefined : brokenTar(progress, source.bytesRead)) ?? error;
    // The manifests go first: a partition's COMPLETED manifest without the others would be half a backup.
    await deleteOwnManifests(store, state.manifestsTried);
    for (const key of state.written) await store.delete(key).catch(() => undefined);
    // Chunks are not deleted by key: a backup running meanwhile may reuse one. A collection keeps those.
    for (const partitionId of state.chunkPartitions) await collectChunks(store, partitionId, { clock: systemClock }).catch(() => undefined);
    throw failure;
  } finally {
    if (state.spoolDirectory !== undefined) await rm(state.spoolDirectory, { recursive: true, force: true });
  }
  const header = state.header;
  assert(header !== undefined, 'the header was checked above');
  return {
    checkpointId: header.checkpointId,
    partitionIds: state.manifests.map((manifest) => manifest.id.partitionId),
    fileCount: state.expected.size,
    totalBytes: header.totalBytes,
  };
}

/**
 * Deletes what this import stored of `manifests` after a failure: only a stored manifest equal byte for byte
 * to the one the import wrote (a create that failed may have been stored, its answer lost; another
 * writer's manifest under the same key is never deleted). Best effort, as the store may be failing.
 */
async function deleteOwnManifests(store: BackupStore, manifests: readonly Manifest[]): Promise<void> {
  for (const manifest of [...manifests].reverse()) {
    const key = manifestKey(manifest.id);
    const stored = await getBytes(store, key).catch(() => undefined);
    if (stored !== undefined && stored.equals(serializeManifest(manifest))) await store.delete(key).catch(() => undefined);
  }
}

/**
 * A tar that is cut short (or not a tar) fails wherever its bytes were going at the time: in the tar
 * reader, in a destroyed entry stream, or in a store's upload of an entry body that broke off (which the
 * store reports as STORE_UNAVAILABLE). It is the archive that is at fault, so it is reported as such,
 * naming the entry and where the file ends. Undefined when the tar reader itself did not fail.
 */
function brokenTar(progress: TarProgress, archiveBytes: number): CutlineError | undefined {
  const cause = progress.tarError;
  if (cause === undefined || isCutlineError(cause) || progress.notTheTar) return undefined;
  const { current, last } = progress;
  const where =
    current !== undefined
      ? `inside entry ${JSON.stringify(current.name)}, which declares ${current.sizeBytes} bytes`
      : last === undefined
        ? 'before its first entry'
        : `after entry ${JSON.stringify(last)}, inside the next header or the end-of-archive blocks`;
  const message = progress.sourceEnded
    ? `the archive is cut short: it ends after ${archiveBytes} bytes, ${where}`
    : `the archive is not a valid tar ${where}: ${cause instanceof Error ? cause.message : 'unreadable'}`;
  return new CutlineError('ARCHIVE_INVALID', message, {
    cause,
    hint: 'The file is incomplete or damaged (an interrupted copy or download?): export the backup again, or copy the whole file.',
  });
}

async function importEntry(store: BackupStore, entry: TarEntry, state: ImportState, options: ImportOptions): Promise<void> {
  const name = checkEntryHeader(entry.header, state);
  if (entry.header.type === 'directory') {
    entry.resume();
    return;
  }
  if (state.header === undefined) {
    if (name !== archiveHeaderName) throw invalid(`the first entry must be ${archiveHeaderName}, not ${JSON.stringify(name)}`);
    state.header = parseHeader(await readEntry(entry, 64 * 1024, name));
  } else if (name.startsWith(manifestsPrefix)) {
    if (state.expected.size > 0 && [...state.expected.values()].some((file) => file.seen))
      throw invalid(`manifest ${name} comes after contents; manifests come first`);
    await acceptManifest(store, name, await readEntry(entry, manifestBytesMax, name), state, options);
  } else if (name.startsWith(contentsPrefix) || name.startsWith(chunksPrefix)) {
    await importContent(store, name, entry, state, options);
  } else {
    throw invalid(`entry ${JSON.stringify(name)} is neither ${archiveHeaderName}, a manifest nor a content file`);
  }
}

/** Checks type, name and size of an entry before any of its bytes are read; returns its name. */
function checkEntryHeader(header: tar.Header, state: ImportState): string {
  state.entries += 1;
  if (state.entries > archiveEntriesMax)
    throw new CutlineError('LIMIT_EXCEEDED', `the archive has more than archiveEntriesMax (${archiveEntriesMax}) entries`);
  const name = header.type === 'directory' ? header.name.replace(/\/+$/, '') : header.name;
  const type = header.type ?? 'file';
  if (type !== 'file' && type !== 'directory')
    throw invalid(`entry ${JSON.stringify(header.name)} is a ${type}; an archive holds regular files only`);
  try {
    validateKey(name);
  } catch (error) {
    throw invalid(`entry name ${JSON.stringify(header.name)} is unsafe: ${(error as Error).message}`);
  }
  const size = header.size ?? 0;
  if (size > archiveEntryBytesMax)
    throw new CutlineError('LIMIT_EXCEEDED', `entry ${name} is ${size} bytes, more than archiveEntryBytesMax (${archiveEntryBytesMax})`);
  return name;
}

function parseHeader(bytes: Buffer): ArchiveHeader {
  let header: Partial<ArchiveHeader>;
  try {
    header = JSON.parse(bytes.toString('utf8')) as Partial<ArchiveHeader>;
  } catch {
    throw invalid(`${archiveHeaderName} is not valid JSON`);
  }
  if (!(archiveFormatVersions as readonly unknown[]).includes(header.formatVersion)) {
    throw invalid(
      `${archiveHeaderName} has format version ${JSON.stringify(header.formatVersion)}; this cutline reads versions ${archiveFormatVersions.join(' and ')}`,
    );
  }
  if (!Number.isSafeInteger(header.checkpointId) || !Number.isSafeInteger(header.totalBytes))
    throw invalid(`${archiveHeaderName} lacks checkpointId or totalBytes`);
  return header as ArchiveHeader;
}

async function acceptManifest(
  store: BackupStore,
  name: string,
  bytes: Buffer,
  state: ImportState,
  options: StoreCallOptions,
): Promise<void> {
  const manifest = parseManifest(bytes, `${name} in the archive`);
  if (manifestKey(manifest.id) !== name)
    throw invalid(`manifest entry ${name} holds the manifest of another backup (${manifestKey(manifest.id)})`);
  if (manifest.id.checkpointId !== state.header?.checkpointId)
    throw invalid(`manifest ${name} is of backup ${manifest.id.checkpointId}, the archive of backup ${state.header?.checkpointId}`);
  if (manifest.status !== 'COMPLETED') throw invalid(`manifest ${name} is ${manifest.status}; an archive holds COMPLETED backups only`);
  if (state.manifests.some((other) => other.id.partitionId === manifest.id.partitionId))
    throw invalid(`the archive has two manifests of partition ${manifest.id.partitionId}`);
  if ((await store.head(name, options)) !== undefined) {
    throw new CutlineError('STORE_ALREADY_EXISTS', `${store.description} already holds ${name}; importing never replaces a backup`, {
      hint: 'Import into another store or prefix.',
    });
  }
  state.manifests.push(manifest);
  for (const file of manifest.files) {
    if (file.chunks === undefined)
      state.expected.set(contentKey(manifest.id, file.path), { sizeBytes: file.sizeBytes, sha256: file.sha256, seen: false });
  }
  for (const chunk of archiveChunks([manifest]))
    state.expected.set(chunk.key, { sizeBytes: chunk.ref.storedBytes, sha256: chunk.ref.sha256, seen: false, chunk });
}

async function importContent(store: BackupStore, name: string, entry: TarEntry, state: ImportState, options: ImportOptions): Promise<void> {
  const expected = state.expected.get(name);
  if (expected === undefined) throw invalid(`content entry ${name} is not listed by any manifest before it`);
  if (expected.seen) throw invalid(`content entry ${name} appears twice`);
  if (entry.header.size !== expected.sizeBytes)
    throw new CutlineError(
      'ARCHIVE_CHECKSUM',
      `${name} in the archive has ${entry.header.size ?? 0} bytes, not the ${expected.sizeBytes} its manifest lists`,
    );
  expected.seen = true;
  if (expected.chunk !== undefined) {
    const stored = await readEntry(entry, expected.sizeBytes, name);
    await checkChunkBytes(expected.chunk, stored, 'in the archive');
    state.chunkPartitions.add(expected.chunk.partitionId);
    await storeArchiveChunk(store, expected.chunk, stored, options);
    return;
  }
  // A tar entry can be read only once, but a store retrying a failed put sends the body again (a
  // StreamBody is opened once per attempt): so the entry is checked and kept before the put.
  const verifying = verifyingStream(name, expected.sizeBytes, expected.sha256, 'in the archive');
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  let body: PutBody;
  let spoolPath: string | undefined;
  if (expected.sizeBytes <= (options.bufferBytesMax ?? archiveImportBufferBytesMax)) {
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from(entry),
      verifying,
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk);
      },
      signal,
    );
    body = Buffer.concat(chunks);
  } else {
    state.spoolDirectory ??= await mkdtemp(join(tmpdir(), 'cutline-import-'));
    const path = join(state.spoolDirectory, 'entry');
    spoolPath = path;
    await pipeline(Readable.from(entry), verifying, createWriteStream(path), signal);
    body = { sizeBytes: expected.sizeBytes, open: () => createReadStream(path) };
  }
  state.written.push(name);
  try {
    await store.put(name, body, options);
  } finally {
    if (spoolPath !== undefined) await rm(spoolPath, { force: true });
  }
}

async function readEntry(entry: TarEntry, bytesMax: number, name: string): Promise<Buffer> {
  if ((entry.header.size ?? 0) > bytesMax)
    throw new CutlineError('LIMIT_EXCEEDED', `entry ${name} is ${entry.header.size ?? 0} bytes, more than the ${bytesMax} allowed for it`);
  return readAll(Readable.from(entry));
}

function invalid(message: string): CutlineError {
  return new CutlineError('ARCHIVE_INVALID', message, { hint: 'Only archives written by `cutline backup export` can be imported.' });
}
