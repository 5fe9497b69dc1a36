// A copy of a golden filesystem store the fuzzer tampers with: its objects, its manifests as JSON, and each listed file's bytes, with the hashes recomputed as a careful tamperer would.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { chunkKey, decodeChunk, encodeChunk, parseChunkKey, type StoredChunkRef } from '../../src/backup/chunk-format.js';
import { parseManifestKey } from '../../src/backup/backup-layout.js';

/** A JSON value as the fuzzer edits it: manifests stop being valid Manifests after an edit or two. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** What a tamperer recomputes after changing a listed file's bytes (see setFileBytes). */
export type Reseal = 'none' | 'address' | 'file';

/** One file a manifest lists, located by its manifest's key and its path. */
export interface FileRef {
  readonly manifestKey: string;
  readonly partitionId: number;
  readonly checkpointId: number;
  readonly nodeId: number;
  readonly path: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A filesystem store directory (FORMAT.md, "Backup store layout"), format v1 or v2, seen as objects and manifests. */
export class StoreCopy {
  constructor(
    readonly root: string,
    readonly format: 'v1' | 'v2',
  ) {}

  /** Every object key (the store's `.metadata/` sidecars and temporary files are not objects), sorted. */
  async objectKeys(prefix = ''): Promise<string[]> {
    const base = join(this.root, prefix);
    if (!existsSync(base)) return [];
    const entries = await readdir(base, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(this.root.length + 1))
      .filter((key) => !key.split('/').some((part) => part.startsWith('.')))
      .sort();
  }

  manifestKeys(): Promise<string[]> {
    return this.objectKeys('manifests').then((keys) => keys.filter((key) => parseManifestKey(key) !== undefined));
  }

  chunkKeys(): Promise<string[]> {
    return this.objectKeys('chunks').then((keys) => keys.filter((key) => parseChunkKey(key) !== undefined));
  }

  path(key: string): string {
    return join(this.root, key);
  }

  exists(key: string): boolean {
    return existsSync(this.path(key));
  }

  async read(key: string): Promise<Buffer | undefined> {
    return readFile(this.path(key)).catch(() => undefined);
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    await mkdir(dirname(this.path(key)), { recursive: true });
    await writeFile(this.path(key), bytes);
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
    await rm(join(this.root, '.metadata', `${key}.json`), { force: true });
  }

  async move(from: string, to: string): Promise<void> {
    await mkdir(dirname(this.path(to)), { recursive: true });
    await rename(this.path(from), this.path(to));
  }

  /** A manifest as JSON, or undefined when it is gone or no longer JSON. */
  async readJson(key: string): Promise<Json | undefined> {
    const bytes = await this.read(key);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(bytes.toString('utf8')) as Json;
    } catch {
      return undefined;
    }
  }

  /** Writes JSON the way the writers do (two-space indent, final newline). */
  async writeJson(key: string, value: Json): Promise<void> {
    await this.write(key, Buffer.from(`${JSON.stringify(value, null, 2)}\n`));
  }

  /** Every file entry of every manifest that still reads as JSON with a files array of paths. */
  async fileRefs(): Promise<FileRef[]> {
    const refs: FileRef[] = [];
    for (const manifestKey of await this.manifestKeys()) {
      const id = parseManifestKey(manifestKey);
      const manifest = await this.readJson(manifestKey);
      if (id === undefined || !isObject(manifest) || !Array.isArray(manifest.files)) continue;
      for (const file of manifest.files) {
        if (isObject(file) && typeof file.path === 'string') refs.push({ manifestKey, ...id, path: file.path });
      }
    }
    return refs;
  }

  contentKeyOf(ref: FileRef): string {
    return `contents/${ref.partitionId}/${ref.checkpointId}/${ref.nodeId}/${ref.path}`;
  }

  /** The manifest entry of a file, or undefined when the manifest changed under the reference. */
  async entryOf(ref: FileRef): Promise<{ manifest: JsonObject; entry: JsonObject } | undefined> {
    const manifest = await this.readJson(ref.manifestKey);
    if (!isObject(manifest) || !Array.isArray(manifest.files)) return undefined;
    const entry = manifest.files.find((file): file is JsonObject => isObject(file) && file.path === ref.path);
    return entry === undefined ? undefined : { manifest, entry };
  }

  /**
   * The bytes of a listed file: the object under contents/ (format v1), or its chunks decoded in order
   * (format v2, each as the manifest describes it). Undefined when they cannot be read.
   */
  async fileBytes(ref: FileRef): Promise<Buffer | undefined> {
    const found = await this.entryOf(ref);
    if (found === undefined) return undefined;
    if (!Array.isArray(found.entry.chunks)) return this.read(this.contentKeyOf(ref));
    const parts: Buffer[] = [];
    for (const chunk of found.entry.chunks) {
      const stored = storedRef(chunk);
      const bytes = stored === undefined ? undefined : await this.read(chunkKey(ref.partitionId, stored.sha256));
      if (stored === undefined || bytes === undefined) return undefined;
      try {
        parts.push(await decodeChunk(bytes, stored, 'fuzz'));
      } catch {
        return undefined;
      }
    }
    return Buffer.concat(parts);
  }

  /**
   * Replaces a listed file's bytes, recomputing what `reseal` says. Format v1: the object is rewritten;
   * with 'address' or 'file' the manifest's sizeBytes and sha256 follow. Format v2: the bytes are cut at
   * the file's old chunk boundaries (the last chunk takes what is left); every chunk that changed is
   * encoded again and its storedBytes, codec and sizes listed ('none': stored under its old address,
   * overwriting it, as a tamperer who cannot rename it would; 'address': under its new address, so the
   * chunk is sound and only the file's SHA-256 tells; 'file': that too is recomputed).
   */
  async setFileBytes(ref: FileRef, bytes: Buffer, reseal: Reseal): Promise<void> {
    const found = await this.entryOf(ref);
    if (found === undefined) return;
    const { manifest, entry } = found;
    if (Array.isArray(entry.chunks)) {
      entry.chunks = await this.rechunk(ref.partitionId, entry.chunks, bytes, reseal);
      entry.sizeBytes = bytes.length;
    } else {
      await this.write(this.contentKeyOf(ref), bytes);
      if (reseal !== 'none') entry.sizeBytes = bytes.length;
    }
    if (reseal === 'file') entry.sha256 = sha256Hex(bytes);
    await this.writeJson(ref.manifestKey, manifest);
  }

  private async rechunk(partitionId: number, old: readonly Json[], bytes: Buffer, reseal: Reseal): Promise<Json[]> {
    const ranges: [number, number][] = [];
    let offset = 0;
    for (const chunk of old.slice(0, -1)) {
      const end = Math.min(
        bytes.length,
        offset + (isObject(chunk) && typeof chunk.sizeBytes === 'number' ? Math.max(0, chunk.sizeBytes) : 0),
      );
      if (end > offset) ranges.push([offset, end]);
      offset = end;
    }
    if (offset < bytes.length) ranges.push([offset, bytes.length]);
    const chunks: Json[] = [];
    for (const [index, [start, end]] of ranges.entries()) {
      const raw = bytes.subarray(start, end);
      const previous = old[index];
      const previousRef = previous === undefined ? undefined : storedRef(previous);
      if (previous !== undefined && previousRef?.sizeBytes === raw.length && previousRef.sha256 === sha256Hex(raw)) {
        chunks.push(previous);
        continue;
      }
      const encoded = await encodeChunk(raw, previousRef?.codec === 'none' ? 'none' : 'gzip');
      const address = reseal === 'none' && previousRef !== undefined ? previousRef.sha256 : sha256Hex(raw);
      // A tamperer who keeps the address overwrites the chunk (every backup sharing it is hit); a new address is a new chunk.
      if (reseal === 'none' || !this.exists(chunkKey(partitionId, address)))
        await this.write(chunkKey(partitionId, address), encoded.bytes);
      chunks.push({ sha256: address, sizeBytes: raw.length, storedBytes: encoded.bytes.length, codec: encoded.codec });
    }
    return chunks;
  }

  /** Sets storedBytes of every chunk reference (any manifest, any file) to a chunk's address to the object's length. */
  async resealStoredBytes(partitionId: number, sha256: string): Promise<void> {
    const stored = await this.read(chunkKey(partitionId, sha256));
    if (stored === undefined) return;
    for (const manifestKey of await this.manifestKeys()) {
      if (parseManifestKey(manifestKey)?.partitionId !== partitionId) continue;
      const manifest = await this.readJson(manifestKey);
      if (!isObject(manifest) || !Array.isArray(manifest.files)) continue;
      let changed = false;
      for (const file of manifest.files) {
        if (!isObject(file) || !Array.isArray(file.chunks)) continue;
        for (const chunk of file.chunks) {
          if (isObject(chunk) && chunk.sha256 === sha256 && chunk.storedBytes !== stored.length) {
            chunk.storedBytes = stored.length;
            changed = true;
          }
        }
      }
      if (changed) await this.writeJson(manifestKey, manifest);
    }
  }
}

/** A manifest's chunk entry as a StoredChunkRef, when it has every field of one. */
export function storedRef(chunk: Json): StoredChunkRef | undefined {
  if (!isObject(chunk)) return undefined;
  const { sha256, sizeBytes, storedBytes, codec } = chunk;
  if (
    typeof sha256 !== 'string' ||
    typeof sizeBytes !== 'number' ||
    typeof storedBytes !== 'number' ||
    (codec !== 'none' && codec !== 'gzip' && codec !== 'zstd')
  )
    return undefined;
  return { sha256, sizeBytes, storedBytes, codec };
}
