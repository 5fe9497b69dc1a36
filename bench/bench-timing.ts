// Timing shared by the benchmarks: the fastest of several rounds, in seconds.

/** Runs `run` `rounds` times and returns the fastest, in seconds; each round must do the same work. */
export async function fastestSeconds(rounds: number, run: () => Promise<void>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    await run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return fastest;
}
