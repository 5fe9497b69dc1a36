// crc32cRange against the native @node-rs/crc32 on random ranges, and the standard CRC-32C check values.
import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32cNativeBytesMin, crc32cRange } from '../../src/log/crc32c.js';

/** Lengths that straddle the JS/native threshold and multiples of 8 (the slice-by-8 step and its tail). */
const edgeLength = fc.oneof(
  fc.integer({ min: crc32cNativeBytesMin - 9, max: crc32cNativeBytesMin + 9 }),
  fc.integer({ min: 0, max: 40 }).chain((eighths) => fc.integer({ min: eighths * 8 - 1, max: eighths * 8 + 1 })),
);

/** A byte array of 0..5000 bytes and a [start, end) range inside it, often of an edge length. */
const arrayAndRange = fc
  .tuple(fc.oneof(fc.integer({ min: 0, max: 5000 }), edgeLength), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 5000 }))
  .chain(([length, lead, trail]) => {
    const rangeLength = Math.max(0, length);
    return fc.tuple(
      fc.uint8Array({ minLength: lead + rangeLength + (trail % 16), maxLength: lead + rangeLength + (trail % 16) }),
      fc.constant(lead),
      fc.constant(lead + rangeLength),
    );
  });

describe('crc32cRange', () => {
  it('equals the native crc32c of the subarray for random ranges', () => {
    fc.assert(
      fc.property(arrayAndRange, ([bytes, start, end]) => {
        expect(crc32cRange(bytes, start, end)).toBe(crc32c(bytes.subarray(start, end)));
      }),
      { numRuns: 400 },
    );
  });

  it('equals the native crc32c for any range of a random array', () => {
    const arrayThenRange = fc
      .uint8Array({ maxLength: 5000 })
      .chain((bytes) => fc.tuple(fc.constant(bytes), fc.integer({ min: 0, max: bytes.length }), fc.integer({ min: 0, max: bytes.length })));
    fc.assert(
      fc.property(arrayThenRange, ([bytes, a, b]) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        expect(crc32cRange(bytes, start, end)).toBe(crc32c(bytes.subarray(start, end)));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a Buffer at a non-zero offset into its ArrayBuffer, alternating between buffers', () => {
    const pooled = Buffer.from('xx123456789yy', 'latin1').subarray(1);
    const other = Buffer.alloc(64, 0xa5);
    expect(crc32cRange(pooled, 1, 10)).toBe(0xe3069283);
    expect(crc32cRange(other, 3, 50)).toBe(crc32c(other.subarray(3, 50)));
    expect(crc32cRange(pooled, 1, 10)).toBe(0xe3069283);
  });

  it('gives the standard check values: "123456789" is 0xE3069283, 32 zero bytes 0x8A9136AA, the empty range 0', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32cRange(check, 0, check.length)).toBe(0xe3069283);
    expect(crc32cRange(new Uint8Array(32), 0, 32)).toBe(0x8a9136aa);
    expect(crc32cRange(new Uint8Array(32).fill(0xff), 0, 32)).toBe(0x62a8ab43);
    expect(crc32cRange(check, 4, 4)).toBe(0);
    expect(crc32cRange(new Uint8Array(0), 0, 0)).toBe(0);
  });

  it('returns an unsigned 32-bit number on both sides of the threshold', () => {
    for (const length of [9, crc32cNativeBytesMin - 1, crc32cNativeBytesMin, 4096]) {
      const bytes = Uint8Array.from({ length }, (_, at) => (at * 151 + 3) & 0xff);
      const crc = crc32cRange(bytes, 0, length);
      expect(Number.isInteger(crc) && crc >= 0 && crc <= 0xffff_ffff).toBe(true);
      expect(crc).toBe(crc32c(bytes));
    }
  });

  it('rejects a range outside the array as a bug', () => {
    const bytes = new Uint8Array(16);
    expect(() => crc32cRange(bytes, 4, 17)).toThrow(/assertion failed/);
    expect(() => crc32cRange(bytes, 5, 4)).toThrow(/assertion failed/);
    expect(() => crc32cRange(bytes, -1, 4)).toThrow(/assertion failed/);
  });
});
