// Time and randomness are parameters so that a seeded simulation can run the real code.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that only moves when told to; for tests and the deterministic simulator. */
export class ManualClock implements Clock {
  constructor(private timeMs = 0) {}
  nowMs(): number {
    return this.timeMs;
  }
  advance(deltaMs: number): void {
    this.timeMs += deltaMs;
  }
  set(timeMs: number): void {
    this.timeMs = timeMs;
  }
}
