// Format v2 chunks: the object format and its checks, and where the writer cuts a growing segment and a snapshot file.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { open, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chunkKey, decodeChunk, encodeChunk, parseChunkKey, readChunkHeader } from '../../src/backup/chunk-format.js';
import { codecAvailable, type ChunkCodec } from '../../src/store/chunk-codec.js';
import { chunkSegmentFile, chunkSnapshotFile, snapshotChunkBytes, type ChunkSource } from '../../src/backup/chunking.js';
import { segmentChunkBytes } from '../../src/limits.js';
import { CutlineError } from '../../src/errors.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('chunks');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof CutlineError ? error.code : String(error)),
  );
}

describe('chunk objects', () => {
  const text = Buffer.from('{"type":"COMMAND","payload":{"value":42}}\n'.repeat(200));

  for (const codec of ['none', 'gzip', 'zstd'] as const) {
    it.skipIf(!codecAvailable(codec))(`round-trip with ${codec} (skipped only where this Node has no zstd)`, async () => {
      const encoded = await encodeChunk(text, codec);
      expect(encoded.codec).toBe(codec);
      expect(readChunkHeader(encoded.bytes, 'c')).toEqual({ codec, sizeBytes: text.length });
      const ref = { sha256: sha256(text), sizeBytes: text.length, storedBytes: encoded.bytes.length, codec };
      expect((await decodeChunk(encoded.bytes, ref, 'c')).equals(text)).toBe(true);
      if (codec !== 'none') expect(encoded.bytes.length).toBeLessThan(text.length / 4);
    });
  }

  it('stores bytes plainly when compressing would not make them smaller', async () => {
    const random = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 2_654_435_761) >>> 24));
    const incompressible = createHash('sha512').update(random).digest();
    const encoded = await encodeChunk(incompressible, 'gzip');
    expect(encoded.codec).toBe('none');
    expect(encoded.bytes.length).toBe(incompressible.length + 12);
  });

  it('refuses a header, a codec, a stored length or a decompressed length that differ from the manifest', async () => {
    const encoded = await encodeChunk(text, 'gzip');
    const ref = { sha256: sha256(text), sizeBytes: text.length, storedBytes: encoded.bytes.length, codec: 'gzip' as ChunkCodec };
    const flipped = Buffer.from(encoded.bytes);
    flipped[0] = 0;
    expect(await codeOf(decodeChunk(flipped, ref, 'c'))).toBe('CHUNK_CORRUPT');
    expect(await codeOf(decodeChunk(encoded.bytes, { ...ref, codec: 'none' }, 'c'))).toBe('CHUNK_CORRUPT');
    expect(await codeOf(decodeChunk(encoded.bytes, { ...ref, storedBytes: ref.storedBytes + 1 }, 'c'))).toBe('CHUNK_CORRUPT');
    expect(await codeOf(decodeChunk(encoded.bytes, { ...ref, sizeBytes: ref.sizeBytes - 1 }, 'c'))).toBe('CHUNK_CORRUPT');
    const unknownCodec = Buffer.from(encoded.bytes);
    unknownCodec[5] = 9;
    expect(await codeOf(decodeChunk(unknownCodec, ref, 'c'))).toBe('CHUNK_CODEC');
    const damagedPayload = Buffer.from(encoded.bytes);
    // Past the 12-byte chunk header and the 10-byte gzip header, inside the deflate stream.
    damagedPayload[40] = (damagedPayload[40] ?? 0) ^ 0xff;
    expect(await codeOf(decodeChunk(damagedPayload, ref, 'c'))).toBe('CHUNK_CORRUPT');
  });

  it('stops decompressing at the declared length: a bomb costs no memory and is refused', async () => {
    // 64 MiB of zeros compress to about 64 KiB; the header and manifest claim 1 KiB.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const header = Buffer.from([0x43, 0x4c, 0x43, 0x48, 1, 1, 0, 0, 0, 4, 0, 0]);
    const stored = Buffer.concat([header, bomb]);
    const ref = { sha256: '0'.repeat(64), sizeBytes: 1024, storedBytes: stored.length, codec: 'gzip' as ChunkCodec };
    const error = await decodeChunk(stored, ref, 'bomb').catch((caught: unknown) => caught as CutlineError);
    expect(error).toBeInstanceOf(CutlineError);
    expect((error as CutlineError).message).toContain('decompresses to more than the 1024 bytes');
  });

  it('names chunks by partition and address, and parses back only such keys', () => {
    const address = sha256(Buffer.from('x'));
    expect(chunkKey(3, address)).toBe(`chunks/3/${address.slice(0, 2)}/${address}`);
    expect(parseChunkKey(chunkKey(3, address))).toEqual({ partitionId: 3, sha256: address });
    expect(parseChunkKey(`chunks/3/zz/${address}`)).toBeUndefined();
    expect(parseChunkKey(`chunks/03/${address.slice(0, 2)}/${address}`)).toBeUndefined();
  });
});

describe('chunk boundaries', () => {
  async function source(path: string, identity = 'file'): Promise<ChunkSource & { close: () => Promise<void> }> {
    const handle = await open(path, 'r');
    const { size } = await handle.stat();
    return { path: 'segments/00000000000000000001.log', handle, sizeBytes: size, identity, close: () => handle.close() };
  }

  it('keeps the chunks of the previous backup of a grown segment and cuts only the new bytes', async () => {
    const path = join(await freshDirectory(), 'segment.log');
    const first = Buffer.alloc(segmentChunkBytes + 1000, 1);
    await writeFile(path, first);
    const before = await source(path);
    const one = await chunkSegmentFile(before, undefined);
    await before.close();
    expect(one.file.chunks?.map((chunk) => chunk.sizeBytes)).toEqual([segmentChunkBytes, 1000]);
    await appendFile(path, Buffer.alloc(500, 2));
    const after = await source(path);
    const two = await chunkSegmentFile(after, one.remembered);
    // The grown file keeps both earlier chunks; the 500 new bytes are one new chunk.
    expect(two.file.chunks?.slice(0, 2)).toEqual(one.file.chunks);
    expect(two.file.chunks?.[2]).toEqual({ sha256: sha256(Buffer.alloc(500, 2)), sizeBytes: 500 });
    expect(two.file.sha256).toBe(sha256(Buffer.concat([first, Buffer.alloc(500, 2)])));
    // Without the running hash (after a restart) every byte is read, and the same boundaries come out.
    const seeded = await chunkSegmentFile(after, { identity: '', file: one.file });
    expect(seeded.file).toEqual(two.file);
    // A file of another identity (a new segment with the same first position) keeps boundaries only.
    const other = await chunkSegmentFile({ ...after, identity: 'other' }, one.remembered);
    expect(other.file).toEqual(two.file);
    await after.close();
  });

  it('gives a segment whose bytes changed other addresses, never a chunk with the wrong bytes', async () => {
    const path = join(await freshDirectory(), 'segment.log');
    await writeFile(path, Buffer.alloc(3000, 1));
    const first = await source(path);
    const one = await chunkSegmentFile(first, undefined);
    await first.close();
    await writeFile(path, Buffer.alloc(4000, 7));
    const second = await source(path, 'new file');
    const two = await chunkSegmentFile(second, { identity: '', file: one.file });
    await second.close();
    expect(two.file.chunks?.map((chunk) => chunk.sizeBytes)).toEqual([3000, 1000]);
    expect(two.file.chunks?.[0]?.sha256).toBe(sha256(Buffer.alloc(3000, 7)));
  });

  it('cuts a snapshot file at fixed 64 KiB offsets, and takes a remembered one of the same identity unread', async () => {
    const path = join(await freshDirectory(), 'state.db');
    await writeFile(path, Buffer.alloc(200 * 1024, 3));
    const file = await source(path, 'inode 1');
    const one = await chunkSnapshotFile(file, undefined);
    expect(one.file.chunks?.map((chunk) => chunk.sizeBytes)).toEqual([65536, 65536, 65536, 8192]);
    const again = await chunkSnapshotFile({ ...file, handle: undefined as never }, one.remembered);
    expect(again.file).toEqual(one.file);
    await file.close();
    expect(snapshotChunkBytes(1024)).toBe(65536);
    expect(snapshotChunkBytes(1024 * 1024 * 1024)).toBe(256 * 1024);
  });
});
