// Waiting in a test for something to happen: as long as it takes, never a guessed duration or a count of attempts.
import { setTimeout as sleep } from 'node:timers/promises';

type Truthy<T> = Exclude<T, undefined | null | false | '' | 0>;

/**
 * Resolves with the first truthy answer of `probe`, asked again `intervalMs` after each falsy one. There is
 * no attempt count: the test's timeout is the only limit, so a loaded machine makes a test slower, never red.
 * A probe that throws (the process it watches exited, say) ends the wait with its error.
 */
export async function eventually<T>(probe: () => T | Promise<T>, intervalMs = 10): Promise<Truthy<T>> {
  for (;;) {
    const answer = await probe();
    if (answer) return answer as Truthy<T>;
    await sleep(intervalMs);
  }
}
