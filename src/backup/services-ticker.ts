// The engine's tick of the backup services: the scheduler every time, the store work backed off while it fails, failures logged without a flood.
import type { Clock } from '../clock.js';
import { isCutlineError } from '../errors.js';
import { backupServicesRetryMs, backupServicesRetryMsMax } from '../limits.js';
import { RepeatedFailureLog } from '../repeated-failure-log.js';
import type { ContinuousBackups } from './continuous-backups.js';

export interface BackupServicesTickerOptions {
  readonly services: ContinuousBackups;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

/**
 * The engine ticks its services every 250 ms. With a store that refuses every call (wrong credentials),
 * each tick failed again writing metadata.json and logged a line: four a second, forever. Here the
 * scheduler still runs on every tick (markers need no store, and a due backup is tried once per
 * schedule, not per tick), while the store work (retention, metadata.json) waits after a failure,
 * 1 s doubling up to 60 s, and runs on every tick again once it succeeds. A failure never escapes a tick:
 * it is logged when it starts, then at most once a minute with a count, and once when it recovers.
 */
export class BackupServicesTicker {
  private readonly failures: RepeatedFailureLog;
  private retryMs = 0;
  private nextStoreWorkMs = 0;

  constructor(private readonly options: BackupServicesTickerOptions) {
    this.failures = new RepeatedFailureLog('backup services', options.clock, options.log);
  }

  /** How long the store work still waits after failures (0 when it runs on the next tick). */
  get storeWorkRetryInMs(): number {
    return Math.max(0, this.nextStoreWorkMs - this.options.clock.nowMs());
  }

  async tick(): Promise<void> {
    const failure = await attempt(() => this.options.services.schedulers.tick());
    const nowMs = this.options.clock.nowMs();
    const storeWorkDue = nowMs >= this.nextStoreWorkMs;
    const storeFailure = storeWorkDue ? await attempt(() => this.options.services.storeWork()) : undefined;
    if (storeWorkDue) {
      this.retryMs = storeFailure === undefined ? 0 : Math.min(Math.max(this.retryMs * 2, backupServicesRetryMs), backupServicesRetryMsMax);
      this.nextStoreWorkMs = nowMs + this.retryMs;
    }
    const first = failure ?? storeFailure;
    if (first !== undefined) this.failures.failed(describe(first));
    // Recovery is known only when the store work ran and the scheduler did not fail meanwhile.
    else if (storeWorkDue) this.failures.succeeded();
  }
}

async function attempt(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
    return undefined;
  } catch (error) {
    return error ?? new Error('undefined was thrown');
  }
}

function describe(error: unknown): string {
  if (isCutlineError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : 'an unknown failure';
}
