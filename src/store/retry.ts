// Exponential backoff with full jitter, and an abortable sleep, for the retries the stores make themselves.
import { setTimeout as delay } from 'node:timers/promises';
import type { Random } from '../random.js';
import { storeRetryDelayBaseMs, storeRetryDelayMaxMs } from '../limits.js';

/** The wait before retry number `retry` (0 for the first retry): uniform in [0, min(max, base * 2^retry)). */
export function backoffDelayMs(retry: number, random: Random): number {
  const ceilingMs = Math.min(storeRetryDelayMaxMs, storeRetryDelayBaseMs * 2 ** retry);
  return Math.floor(random.next() * ceilingMs);
}

/** Waits, rejecting with the signal's reason when aborted first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal === undefined ? {} : { signal });
}
