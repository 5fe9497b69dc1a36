// Logs a failure that keeps repeating as one line when it starts, at most one a minute while it lasts, and one when it ends.
import type { Clock } from './clock.js';
import { failureReportIntervalMs } from './limits.js';
import type { EventLog } from './event-log.js';

/**
 * A store with wrong credentials fails on every attempt, for hours: a line per attempt buries everything
 * else in the log. This keeps the first failure (with its detail), then at most one line per interval
 * saying how many more happened and the latest detail, and one line when it works again.
 */
export class RepeatedFailureLog {
  private failingSinceMs: number | undefined;
  private failures = 0;
  private unreported = 0;
  private lastReportMs = 0;

  constructor(
    /** What fails, as the start of each line ("backup services"). */
    private readonly what: string,
    private readonly clock: Clock,
    private readonly log: EventLog,
    private readonly intervalMs = failureReportIntervalMs,
  ) {}

  /** Whether the last outcome was a failure. */
  get failing(): boolean {
    return this.failingSinceMs !== undefined;
  }

  failed(detail: string): void {
    const nowMs = this.clock.nowMs();
    this.failures += 1;
    if (this.failingSinceMs === undefined) {
      this.failingSinceMs = nowMs;
      this.lastReportMs = nowMs;
      this.unreported = 0;
      this.log(`${this.what} failing: ${detail}`, { event: 'service-failing', level: 'warn', service: this.what });
      return;
    }
    this.unreported += 1;
    if (nowMs - this.lastReportMs < this.intervalMs) return;
    this.log(
      `${this.what} still failing: ${this.unreported} more failure(s) in the last ${seconds(nowMs - this.lastReportMs)} s (${this.failures} since ${new Date(this.failingSinceMs).toISOString()}), latest: ${detail}`,
      { event: 'service-still-failing', level: 'warn', service: this.what, failures: this.failures },
    );
    this.lastReportMs = nowMs;
    this.unreported = 0;
  }

  succeeded(): void {
    if (this.failingSinceMs === undefined) return;
    this.log(`${this.what} recovered after ${this.failures} failure(s) over ${seconds(this.clock.nowMs() - this.failingSinceMs)} s`, {
      event: 'service-recovered',
      service: this.what,
      failures: this.failures,
    });
    this.failingSinceMs = undefined;
    this.failures = 0;
    this.unreported = 0;
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(0);
}
