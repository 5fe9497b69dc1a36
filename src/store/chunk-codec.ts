// The codecs a format v2 chunk may be stored with: the store format's vocabulary, also a backup setting (backup.compression).
import * as zlib from 'node:zlib';

/** How a chunk's payload is stored. `zstd` needs a Node with zlib zstd (22.15 and later). */
export const chunkCodecs = ['none', 'gzip', 'zstd'] as const;
export type ChunkCodec = (typeof chunkCodecs)[number];

/** Whether this Node can write and read a codec (zstd came with Node 22.15). */
export function codecAvailable(codec: ChunkCodec): boolean {
  return codec !== 'zstd' || typeof (zlib as { zstdCompress?: unknown }).zstdCompress === 'function';
}
