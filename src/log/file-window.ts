// A read-ahead window over a file, so that scanning frames costs one read per chunk, not one per frame.
import { assert } from '../assert.js';
import type { LogFileSystem } from './file-system.js';

const chunkBytesDefault = 1024 * 1024;

export class FileWindow {
  private buffer: Buffer;
  private start = 0;
  private end = 0;

  /** Reads from fd but never at or past endOffset (the caller's idea of the file's length). */
  constructor(
    private readonly fileSystem: LogFileSystem,
    private readonly fd: number,
    readonly endOffset: number,
    chunkBytes = chunkBytesDefault,
  ) {
    // Small files (and short seeks near the end) need no full-size chunk.
    this.buffer = Buffer.allocUnsafe(Math.max(0, Math.min(chunkBytes, endOffset)));
  }

  /**
   * The bytes [offset, offset + length) as a view of the window's buffer, valid until the next call,
   * or undefined when they reach past endOffset (or past the real end of the file).
   */
  view(offset: number, length: number): Buffer | undefined {
    assert(offset >= 0 && length >= 0, `window read ${offset}+${length}`);
    if (offset + length > this.endOffset) return undefined;
    if (offset >= this.start && offset + length <= this.end) {
      return this.buffer.subarray(offset - this.start, offset - this.start + length);
    }
    if (length > this.buffer.length) this.buffer = Buffer.allocUnsafe(length);
    const wanted = Math.min(this.buffer.length, this.endOffset - offset);
    let filled = 0;
    while (filled < wanted) {
      const read = this.fileSystem.readAt(this.fd, this.buffer.subarray(filled, wanted), offset + filled);
      if (read === 0) break;
      filled += read;
    }
    this.start = offset;
    this.end = offset + filled;
    if (filled < length) return undefined;
    return this.buffer.subarray(0, length);
  }
}
