// Cutting a backup's files into chunks (format v2): where the boundaries fall, and each chunk's and the whole file's SHA-256.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { assert } from '../assert.js';
import { chunkBytesMax, segmentChunkBytes, snapshotChunkBytesMin, snapshotFileChunksMax } from '../limits.js';
import type { ManifestChunk, ManifestFile } from './manifest.js';
import { commandIndexFile, commandIndexPath } from './command-index.js';
import { SegmentSourceCheck, type CheckedFrames, type ExpectedFrames } from './segment-source-check.js';

const readBlockBytes = 1024 * 1024;

/** A file to back up, read through a handle the caller keeps open: bytes [0, sizeBytes). */
export interface ChunkSource {
  /** Its path in the manifest (`snapshot/...` or `segments/...`). */
  readonly path: string;
  readonly handle: FileHandle;
  readonly sizeBytes: number;
  /**
   * Says the file is the one a remembered entry describes (for a segment: its inode and segment id).
   * A file with the same identity only ever grows by appends while the engine runs.
   */
  readonly identity: string;
  /** For a log segment: the records it holds, each frame of which is checked as it is read. */
  readonly frames?: ExpectedFrames;
}

/** What a writer remembers of a file it backed up: its chunks, and the running SHA-256 at its end. */
export interface RememberedFile {
  readonly identity: string;
  readonly file: ManifestFile;
  /** The SHA-256 state after the file's last byte, so a grown file hashes only its new bytes (in this process only). */
  readonly hash?: Hash;
  /** Where the frame check of a segment ended, beside the hash (in this process only). */
  readonly frames?: CheckedFrames;
}

/** Where the bytes of a chunk are, to upload it: in a file the backup holds open, or in memory (a command index). */
export type ChunkLocation = {
  readonly sha256: string;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
} & ({ readonly handle: FileHandle } | { readonly bytes: Buffer });

export interface ChunkedFile {
  readonly file: ManifestFile;
  readonly locations: readonly ChunkLocation[];
  /** What to remember of this file for the next backup. */
  readonly remembered: RememberedFile;
}

/**
 * Chunks a snapshot file at fixed offsets, multiples of 64 KiB (so SQLite pages never straddle two
 * chunks and a changed page costs its chunk only). A remembered file of the same identity and size is
 * the same immutable snapshot file: its chunks are taken without reading it.
 */
export async function chunkSnapshotFile(source: ChunkSource, remembered: RememberedFile | undefined): Promise<ChunkedFile> {
  if (remembered !== undefined && remembered.identity === source.identity && remembered.file.sizeBytes === source.sizeBytes) {
    return { file: { ...remembered.file, path: source.path }, locations: locate(source, remembered.file.chunks ?? []), remembered };
  }
  const chunkBytes = snapshotChunkBytes(source.sizeBytes);
  const boundaries: number[] = [];
  for (let offset = chunkBytes; offset < source.sizeBytes; offset += chunkBytes) boundaries.push(offset);
  return hashChunks(source, boundaries, 0, createHash('sha256'), [], undefined);
}

/**
 * Chunks a log segment so that the bytes an earlier backup held keep their chunks: the earlier
 * backup's boundaries (and its end) stay boundaries, and only the bytes after them are cut anew, in
 * pieces of at most segmentChunkBytes. With the running hash of the same file remembered from this
 * process, only the new bytes are read; otherwise (after a restart, seeded from the last manifest)
 * every byte is read once, and a chunk whose bytes changed simply gets another address.
 */
export async function chunkSegmentFile(source: ChunkSource, remembered: RememberedFile | undefined): Promise<ChunkedFile> {
  const previous = remembered?.file;
  const previousBoundaries: number[] = [];
  let offset = 0;
  for (const chunk of previous?.chunks ?? []) {
    offset += chunk.sizeBytes;
    if (offset > source.sizeBytes) break;
    previousBoundaries.push(offset);
  }
  const last = previousBoundaries.at(-1) ?? 0;
  const boundaries = previousBoundaries.filter((boundary) => boundary < source.sizeBytes);
  for (let next = last + segmentChunkBytes; next < source.sizeBytes; next += segmentChunkBytes) boundaries.push(next);
  const sameFile =
    remembered !== undefined && previous !== undefined && remembered.identity === source.identity && previous.sizeBytes <= source.sizeBytes;
  const framesKnown = source.frames === undefined || remembered?.frames !== undefined;
  if (sameFile && remembered.hash !== undefined && framesKnown) {
    // The prefix is the remembered file, byte for byte: keep its chunks, hash and check only what was appended.
    const kept = previous.chunks ?? [];
    const resume = previous.sizeBytes;
    if (resume === source.sizeBytes) return { file: { ...previous, path: source.path }, locations: locate(source, kept), remembered };
    const check = source.frames === undefined ? undefined : new SegmentSourceCheck(source.frames, remembered.frames);
    return hashChunks(
      source,
      boundaries.filter((boundary) => boundary > resume),
      resume,
      remembered.hash.copy(),
      kept,
      check,
    );
  }
  const check = source.frames === undefined ? undefined : new SegmentSourceCheck(source.frames, undefined);
  return hashChunks(source, boundaries, 0, createHash('sha256'), [], check);
}

/**
 * The command index of a chunked segment (FORMAT.md "Command index"), built in memory by its frame check
 * and cut at fixed 64 KiB offsets: an index that grew since the last backup costs its last chunk and the new ones.
 */
export function chunkCommandIndex(segment: ChunkedFile): ChunkedFile {
  const frames = segment.remembered.frames;
  assert(frames !== undefined, `segment ${segment.file.path} was frame-checked when it was chunked`);
  const bytes = commandIndexFile(frames.commands);
  const chunks: ManifestChunk[] = [];
  const locations: ChunkLocation[] = [];
  for (let offsetBytes = 0; offsetBytes < bytes.length; offsetBytes += commandIndexChunkBytes) {
    const sizeBytes = Math.min(commandIndexChunkBytes, bytes.length - offsetBytes);
    const sha256 = createHash('sha256')
      .update(bytes.subarray(offsetBytes, offsetBytes + sizeBytes))
      .digest('hex');
    chunks.push({ sha256, sizeBytes });
    locations.push({ sha256, bytes, offsetBytes, sizeBytes });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file: ManifestFile = { path: commandIndexPath(segment.file.path), sizeBytes: bytes.length, sha256, chunks };
  return { file, locations, remembered: { identity: '', file } };
}

const commandIndexChunkBytes = 64 * 1024;

/** The fixed chunk size of a snapshot file: 64 KiB, doubled until the file has at most snapshotFileChunksMax chunks (up to chunkBytesMax). */
export function snapshotChunkBytes(sizeBytes: number): number {
  let chunkBytes = snapshotChunkBytesMin;
  while (Math.ceil(sizeBytes / chunkBytes) > snapshotFileChunksMax && chunkBytes < chunkBytesMax) chunkBytes *= 2;
  return chunkBytes;
}

/**
 * Reads bytes [from, sizeBytes) once, feeding the whole-file hash (already holding bytes [0, from)), one
 * hash per chunk, cut at `boundaries` (ascending, all inside (from, sizeBytes)), and a segment's frame check.
 */
async function hashChunks(
  source: ChunkSource,
  boundaries: readonly number[],
  from: number,
  fileHash: Hash,
  kept: readonly ManifestChunk[],
  check: SegmentSourceCheck | undefined,
): Promise<ChunkedFile> {
  const chunks: ManifestChunk[] = [...kept];
  const cuts = [...boundaries, source.sizeBytes];
  const buffer = Buffer.allocUnsafe(readBlockBytes);
  let chunkStart = from;
  let chunkHash = createHash('sha256');
  let offset = from;
  for (const cut of cuts) {
    while (offset < cut) {
      const length = Math.min(readBlockBytes, cut - offset);
      const { bytesRead } = await source.handle.read(buffer, 0, length, offset);
      assert(bytesRead === length, `${source.path} holds bytes up to ${source.sizeBytes} (read ${bytesRead} of ${length} at ${offset})`);
      const bytes = buffer.subarray(0, length);
      fileHash.update(bytes);
      chunkHash.update(bytes);
      check?.push(bytes);
      offset += length;
    }
    if (cut > chunkStart) chunks.push({ sha256: chunkHash.digest('hex'), sizeBytes: cut - chunkStart });
    chunkHash = createHash('sha256');
    chunkStart = cut;
  }
  const frames = check?.finish();
  const end = fileHash.copy();
  const file: ManifestFile = { path: source.path, sizeBytes: source.sizeBytes, sha256: fileHash.digest('hex'), chunks };
  return {
    file,
    locations: locate(source, chunks),
    remembered: { identity: source.identity, file, hash: end, ...(frames === undefined ? {} : { frames }) },
  };
}

function locate(source: ChunkSource, chunks: readonly ManifestChunk[]): ChunkLocation[] {
  const locations: ChunkLocation[] = [];
  let offsetBytes = 0;
  for (const chunk of chunks) {
    locations.push({ sha256: chunk.sha256, handle: source.handle, offsetBytes, sizeBytes: chunk.sizeBytes });
    offsetBytes += chunk.sizeBytes;
  }
  assert(offsetBytes === source.sizeBytes, `the chunks of ${source.path} add up to its ${source.sizeBytes} bytes`);
  return locations;
}
