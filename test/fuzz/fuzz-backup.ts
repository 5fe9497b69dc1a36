// `npm run fuzz:backup -- --seeds N [--from S] [--format v1|v2|both]`: a sweep of the backup fuzzer; prints each disagreement and a summary.
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { FuzzEnvironment, FuzzTally, fuzzFormats, type FuzzFormat } from './backup-fuzz.js';

const usage = 'usage: npm run fuzz:backup -- --seeds N [--from S] [--format v1|v2|both] [--mutations M] [--temp-dir DIR] [--progress K]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '0' },
      format: { type: 'string', default: 'both' },
      mutations: { type: 'string', default: '3' },
      'temp-dir': { type: 'string', default: tmpdir() },
      progress: { type: 'string', default: '0' },
    },
  });
  const [seeds, from, mutationsMax, progress] = [values.seeds, values.from, values.mutations, values.progress].map(Number) as [number, number, number, number];
  const formats: FuzzFormat[] = values.format === 'both' ? ['v1', 'v2'] : [values.format as FuzzFormat];
  if (![seeds, from, mutationsMax, progress].every((value) => Number.isSafeInteger(value) && value >= 0) || mutationsMax < 1 || !formats.every((format) => format in fuzzFormats)) {
    console.error(usage);
    return 2;
  }
  const environment = await FuzzEnvironment.open(values['temp-dir']);
  const startedMs = Date.now();
  const tallies = new Map<FuzzFormat, FuzzTally>();
  try {
    for (const format of formats) {
      const tally = new FuzzTally();
      tallies.set(format, tally);
      for (let seed = from; seed < from + seeds; seed++) {
        const outcome = await environment.runSeed(seed, format, mutationsMax);
        const before = tally.disagreements.length;
        tally.add(outcome);
        for (const { line } of tally.disagreements.slice(before)) console.log(line);
        if (progress > 0 && (seed - from + 1) % progress === 0) console.error(`${format}: ${seed - from + 1} of ${seeds} seeds, ${tally.disagreements.length} disagreements, ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    await environment.close();
  }
  console.log(`\nbackup fuzz: seeds ${from}..${from + seeds - 1}, format ${formats.join(' and ')}, at most ${mutationsMax} mutations a seed, ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  for (const [format, tally] of tallies) console.log(`\n[${format}]\n${tally.summary()}`);
  return [...tallies.values()].some((tally) => tally.disagreements.length > 0) ? 1 : 0;
}

process.exitCode = await main();
