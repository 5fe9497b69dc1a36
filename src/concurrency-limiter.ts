// A counting semaphore: at most N tasks run at once, the others wait in arrival order.
import { assert } from './assert.js';

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    assert(Number.isSafeInteger(limit) && limit >= 1, `a concurrency limit is a positive integer, got ${limit}`);
  }

  /** Runs task once a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
