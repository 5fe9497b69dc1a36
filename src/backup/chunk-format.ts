// Store format v2 chunks: the object key of a chunk, its 12-byte header, and compressing and decoding its payload.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CutlineError } from '../errors.js';
import { chunkCodecs, type ChunkCodec } from '../store/chunk-codec.js';

/** The header's codec byte of each codec (FORMAT.md, "Chunks"). */
const codecByte: Readonly<Record<ChunkCodec, number>> = { none: 0, gzip: 1, zstd: 2 };

export const chunkHeaderBytes = 12;
const chunkMagic = Buffer.from('CLCH', 'ascii');
const chunkHeaderVersion = 1;
export const chunksPrefix = 'chunks/';

/** What a manifest says of one chunk of a file (its offset in the file is the sum of the lengths before it). */
export interface ChunkRef {
  /** Lower-case hex SHA-256 of the chunk's uncompressed bytes: the chunk's address. */
  readonly sha256: string;
  /** Uncompressed length. */
  readonly sizeBytes: number;
}

export interface StoredChunkRef extends ChunkRef {
  /** Length of the stored object, header included. */
  readonly storedBytes: number;
  readonly codec: ChunkCodec;
}

/** `chunks/{partitionId}/{first two hex digits}/{sha256}`: one object per distinct content per partition. */
export function chunkKey(partitionId: number, sha256: string): string {
  return `${chunkPartitionPrefix(partitionId)}${sha256.slice(0, 2)}/${sha256}`;
}

export function chunkPartitionPrefix(partitionId: number): string {
  return `${chunksPrefix}${partitionId}/`;
}

const chunkKeyPattern = /^chunks\/(0|[1-9][0-9]*)\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

/** The chunk a key names, or undefined for any other key (listings skip strays). */
export function parseChunkKey(key: string): { partitionId: number; sha256: string } | undefined {
  const match = chunkKeyPattern.exec(key);
  if (match?.[1] === undefined || match[3] === undefined || match[2] !== match[3].slice(0, 2)) return undefined;
  return { partitionId: Number(match[1]), sha256: match[3] };
}

type Transform = (input: Buffer, options: zlib.ZlibOptions & { maxOutputLength?: number }) => Promise<Buffer>;
const gzip = promisify(zlib.gzip) as Transform;
const gunzip = promisify(zlib.gunzip) as Transform;

type Callback = (error: Error | null, result: Buffer) => void;

function zstdTransform(name: 'zstdCompress' | 'zstdDecompress'): Transform {
  const fn = (zlib as unknown as Record<string, ((input: Buffer, options: object, callback: Callback) => void) | undefined>)[name];
  if (fn === undefined)
    throw new CutlineError('CHUNK_CODEC', `this Node ${process.version} has no zstd; chunks stored with zstd need Node 22.15 or later`);
  return (input, options) =>
    new Promise((resolve, reject) => fn(input, options, (error, result) => (error === null ? resolve(result) : reject(error))));
}

/**
 * A chunk object: header, then the payload in `codec`, or stored plainly (`none`) when compressing
 * does not make it smaller. Compression runs on libuv's thread pool, off the caller's thread.
 */
export async function encodeChunk(raw: Buffer, codec: ChunkCodec): Promise<{ bytes: Buffer; codec: ChunkCodec }> {
  let payload = raw;
  let used: ChunkCodec = 'none';
  if (codec !== 'none' && raw.length > 0) {
    // One output buffer of the input's size: zlib's default 16 KiB pieces cost a thread-pool round trip each.
    const options = { chunkSize: outputChunkBytes(raw.length) };
    const compressed = codec === 'gzip' ? await gzip(raw, options) : await zstdTransform('zstdCompress')(raw, options);
    if (compressed.length < raw.length) {
      payload = compressed;
      used = codec;
    }
  }
  const header = Buffer.alloc(chunkHeaderBytes);
  chunkMagic.copy(header, 0);
  header.writeUInt8(chunkHeaderVersion, 4);
  header.writeUInt8(codecByte[used], 5);
  header.writeUInt32LE(raw.length, 8);
  return { bytes: Buffer.concat([header, payload]), codec: used };
}

/** The header of a stored chunk; CHUNK_CORRUPT when it is not one. */
export function readChunkHeader(bytes: Uint8Array, where: string): { codec: ChunkCodec; sizeBytes: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < chunkHeaderBytes || !buffer.subarray(0, 4).equals(chunkMagic)) {
    throw corrupt(where, `does not start with the chunk header (magic "CLCH")`);
  }
  if (buffer.readUInt8(4) !== chunkHeaderVersion)
    throw corrupt(where, `has chunk header version ${buffer.readUInt8(4)}; this cutline reads version ${chunkHeaderVersion}`);
  const codec = chunkCodecs.find((name) => codecByte[name] === buffer.readUInt8(5));
  if (codec === undefined)
    throw new CutlineError('CHUNK_CODEC', `chunk ${where} names codec ${buffer.readUInt8(5)}, which this cutline does not know`);
  if (buffer.readUInt16LE(6) !== 0) throw corrupt(where, 'has a non-zero reserved header field');
  return { codec, sizeBytes: buffer.readUInt32LE(8) };
}

/**
 * The uncompressed bytes of a stored chunk, checked against what the manifest says of it: the stored
 * length, the codec and the length it decompresses to. Decompression stops at the declared length, so a
 * chunk that would expand beyond it (a decompression bomb) is refused without the memory being spent.
 * The SHA-256 is the caller's to check (restore hashes whole files, verify each chunk).
 */
export async function decodeChunk(stored: Buffer, expected: StoredChunkRef, where: string): Promise<Buffer> {
  const { codec, payload, options } = checkStoredChunk(stored, expected, where);
  let raw: Buffer;
  try {
    if (codec === 'none') raw = payload;
    else raw = codec === 'gzip' ? await gunzip(payload, options) : await zstdTransform('zstdDecompress')(payload, options);
  } catch (error) {
    throw decodeFailure(error, codec, expected, where);
  }
  return checkDecoded(raw, expected, where);
}

/** decodeChunk on the calling thread (for worker threads, where waiting on libuv's pool only adds latency). */
export function decodeChunkSync(stored: Buffer, expected: StoredChunkRef, where: string): Buffer {
  const { codec, payload, options } = checkStoredChunk(stored, expected, where);
  let raw: Buffer;
  try {
    if (codec === 'none') raw = payload;
    else raw = codec === 'gzip' ? zlib.gunzipSync(payload, options) : zstdDecompressSync()(payload, options);
  } catch (error) {
    throw decodeFailure(error, codec, expected, where);
  }
  return checkDecoded(raw, expected, where);
}

type DecodeOptions = zlib.ZlibOptions & { maxOutputLength: number };

/** The stored length and the header checked against the manifest; the payload, and how to decompress it. */
function checkStoredChunk(
  stored: Buffer,
  expected: StoredChunkRef,
  where: string,
): { codec: ChunkCodec; payload: Buffer; options: DecodeOptions } {
  if (stored.length !== expected.storedBytes)
    throw corrupt(where, `is ${stored.length} bytes stored, but its manifest lists ${expected.storedBytes}`);
  const header = readChunkHeader(stored, where);
  if (header.codec !== expected.codec)
    throw corrupt(where, `is stored with codec ${header.codec}, but its manifest lists ${expected.codec}`);
  if (header.sizeBytes !== expected.sizeBytes)
    throw corrupt(where, `holds ${header.sizeBytes} bytes by its header, but its manifest lists ${expected.sizeBytes}`);
  // One byte of room over the declared length tells "too long" apart from "exactly right"; one output
  // buffer of that size decompresses a 4 MiB chunk ten times faster than zlib's default 16 KiB pieces.
  const options = { maxOutputLength: Math.max(1, expected.sizeBytes + 1), chunkSize: outputChunkBytes(expected.sizeBytes + 1) };
  return { codec: header.codec, payload: stored.subarray(chunkHeaderBytes), options };
}

function decodeFailure(error: unknown, codec: ChunkCodec, expected: StoredChunkRef, where: string): Error {
  if (error instanceof CutlineError) return error;
  const tooLarge = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
  return corrupt(
    where,
    tooLarge
      ? `decompresses to more than the ${expected.sizeBytes} bytes its manifest lists`
      : `does not decompress (${codec}): ${(error as Error).message}`,
    error,
  );
}

function checkDecoded(raw: Buffer, expected: StoredChunkRef, where: string): Buffer {
  if (raw.length !== expected.sizeBytes)
    throw corrupt(where, `decompresses to ${raw.length} bytes, but its manifest lists ${expected.sizeBytes}`);
  return raw;
}

function zstdDecompressSync(): (input: Buffer, options: DecodeOptions) => Buffer {
  const fn = (zlib as unknown as { zstdDecompressSync?: (input: Buffer, options: object) => Buffer }).zstdDecompressSync;
  if (fn === undefined)
    throw new CutlineError('CHUNK_CODEC', `this Node ${process.version} has no zstd; chunks stored with zstd need Node 22.15 or later`);
  return fn;
}

/** zlib's output piece size for a result of about `sizeBytes` (it takes at least 64 bytes). */
function outputChunkBytes(sizeBytes: number): number {
  return Math.max(zlib.constants.Z_MIN_CHUNK, sizeBytes);
}

function corrupt(where: string, detail: string, cause?: unknown): CutlineError {
  return new CutlineError('CHUNK_CORRUPT', `chunk ${where} ${detail}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'The chunk in the store is damaged or was replaced; run `cutline verify-backup --level checksum` to find every backup that uses it.',
  });
}
