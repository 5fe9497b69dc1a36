// A sparse index of one segment: (position, byte offset) pairs every few KiB, so a seek scans at most one interval.
import { assert } from '../assert.js';

export class SparseIndex {
  private readonly positions: number[] = [];
  private readonly offsets: number[] = [];

  constructor(private readonly intervalBytes: number) {
    assert(Number.isSafeInteger(intervalBytes) && intervalBytes > 0, `index interval ${intervalBytes} must be a positive integer`);
  }

  get entryCount(): number {
    return this.positions.length;
  }

  /** Records where a frame starts; only frames at least one interval after the last entry are kept. */
  add(position: number, offset: number): void {
    const lastPosition = this.positions.at(-1);
    const lastOffset = this.offsets.at(-1);
    if (lastPosition !== undefined && lastOffset !== undefined) {
      assert(position > lastPosition && offset > lastOffset, `index entries must increase (${position}@${offset})`);
      if (offset - lastOffset < this.intervalBytes) return;
    }
    this.positions.push(position);
    this.offsets.push(offset);
  }

  /** The entry with the greatest position <= position, or undefined when every entry is greater. */
  floor(position: number): { position: number; offset: number } | undefined {
    let low = 0;
    let high = this.positions.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const candidate = this.positions[middle];
      assert(candidate !== undefined, 'index entry in range');
      if (candidate <= position) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    const foundPosition = this.positions[found];
    const foundOffset = this.offsets[found];
    return foundPosition === undefined || foundOffset === undefined ? undefined : { position: foundPosition, offset: foundOffset };
  }

  /** Forgets every entry above position (after the segment was cut back). */
  truncateAfter(position: number): void {
    while ((this.positions.at(-1) ?? 0) > position) {
      this.positions.pop();
      this.offsets.pop();
    }
  }
}
