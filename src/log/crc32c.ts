// CRC-32C (Castagnoli) of a byte range: slice-by-8 in JavaScript for short ranges, the native crc32c for long ones.
import { crc32c } from '@node-rs/crc32';
import { assert } from '../assert.js';

/** The reflected Castagnoli polynomial, as @node-rs/crc32 and iSCSI use it. */
const polynomial = 0x82f63b78;

/**
 * Ranges of at least this many bytes go to the native crc32c; shorter ones are computed here. Each native call
 * costs a fixed ~0.25-0.35 µs (the N-API crossing and the subarray) whatever the length, which dominates the
 * 60-200-byte frames of engine records, while slice-by-8 here costs about 1 ns per byte.
 * Measured on the 2-core development machine (Node 20, best of 5 runs, ns per call, JS here / native):
 *   18 B 66/252, 64 B 110/273, 128 B 168/278, 192 B 230/295, 256 B 290/308, 320 B 363/321, 512 B 543/369,
 *   1024 B 1042/472, 4096 B 4105/1142. The two cross near 290 bytes; `npm run bench:log` prints the same comparison.
 * Assembling the words from byte loads instead of a DataView measured 20-25% slower from 128 bytes up.
 */
export const crc32cNativeBytesMin = 256;

/**
 * tables[k * 256 + b]: the CRC of byte b followed by k zero bytes. One flat array keeps lookups monomorphic, and
 * Int32 elements keep V8 on small integers (Uint32 elements above 2^31 would come back as heap doubles).
 */
const tables: Int32Array = buildTables();

function buildTables(): Int32Array {
  const table = new Int32Array(8 * 256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
    table[byte] = crc;
  }
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = table[byte] ?? 0;
    for (let slice = 1; slice < 8; slice += 1) {
      crc = (table[crc & 0xff] ?? 0) ^ (crc >>> 8);
      table[slice * 256 + byte] = crc;
    }
  }
  return table;
}

/**
 * A DataView of the last ArrayBuffer seen, so that callers that checksum many frames of one buffer (every reader
 * and the append path) make no allocation per call. It keeps that one buffer reachable until another comes.
 */
let viewedBuffer: ArrayBufferLike | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

/** CRC-32C (Castagnoli) of bytes[start, end): the same value as crc32c(bytes.subarray(start, end)) from @node-rs/crc32. */
export function crc32cRange(bytes: Uint8Array, start: number, end: number): number {
  assert(start >= 0 && start <= end && end <= bytes.length, 'crc32cRange needs 0 <= start <= end <= bytes.length');
  if (end - start >= crc32cNativeBytesMin) return crc32c(bytes.subarray(start, end));
  if (bytes.buffer !== viewedBuffer) {
    viewedBuffer = bytes.buffer;
    view = new DataView(bytes.buffer);
  }
  return crc32cSliceBy8(bytes, view, start, end);
}

/**
 * Slice-by-8 over the view's bytes [from, to): each step folds two little-endian 32-bit words, read through the
 * DataView (faster here than assembling them from four byte loads each). The non-null assertions are safe: every
 * table index is below 8 * 256.
 */
function crc32cSliceBy8(bytes: Uint8Array, source: DataView, start: number, end: number): number {
  const t = tables;
  const base = bytes.byteOffset;
  let crc = -1;
  let at = start;
  const wordsEnd = end - 7;
  while (at < wordsEnd) {
    const low = crc ^ source.getInt32(base + at, true);
    const high = source.getInt32(base + at + 4, true);
    crc =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + (high & 0xff)]! ^
      t[512 + ((high >>> 8) & 0xff)]! ^
      t[256 + ((high >>> 16) & 0xff)]! ^
      t[high >>> 24]!;
    at += 8;
  }
  while (at < end) {
    crc = t[(crc ^ bytes[at]!) & 0xff]! ^ (crc >>> 8);
    at += 1;
  }
  return ~crc >>> 0;
}
