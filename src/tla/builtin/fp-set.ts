// An open-addressing hash table from 64-bit fingerprints (two 32-bit halves) to state ids: TLC's FPSet, in typed arrays.
import { assert } from '../../assert.js';

export class FingerprintSet {
  private high: Uint32Array;
  private low: Uint32Array;
  private ids: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacityPowerOfTwo = 1 << 16) {
    assert((capacityPowerOfTwo & (capacityPowerOfTwo - 1)) === 0, 'fingerprint set capacity must be a power of two');
    this.high = new Uint32Array(capacityPowerOfTwo);
    this.low = new Uint32Array(capacityPowerOfTwo);
    this.ids = new Int32Array(capacityPowerOfTwo).fill(-1);
    this.mask = capacityPowerOfTwo - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The id stored for the fingerprint, or -1. */
  get(high: number, low: number): number {
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & this.mask;
    for (;;) {
      const id = this.ids[slot] as number;
      if (id < 0) return -1;
      if (this.high[slot] === high >>> 0 && this.low[slot] === low >>> 0) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Inserts the fingerprint with `id` unless present; returns the existing id, or -1 when inserted. */
  putIfAbsent(high: number, low: number, id: number): number {
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & this.mask;
    for (;;) {
      const existing = this.ids[slot] as number;
      if (existing < 0) {
        this.high[slot] = high >>> 0;
        this.low[slot] = low >>> 0;
        this.ids[slot] = id;
        this.count++;
        return -1;
      }
      if (this.high[slot] === high >>> 0 && this.low[slot] === low >>> 0) return existing;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { high, low, ids } = this;
    const capacity = ids.length * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.ids = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < ids.length; i++)
      if ((ids[i] as number) >= 0) this.putIfAbsent(high[i] as number, low[i] as number, ids[i] as number);
  }
}
