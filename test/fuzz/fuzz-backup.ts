// `npm run fuzz:backup -- --seeds N [--from S] [--format v1|v2|v3|both]`: a sweep of the backup fuzzer; prints each disagreement and a summary.
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { FuzzEnvironment, FuzzTally, fuzzFormats, type FuzzFormat } from './backup-fuzz.js';

const usage =
  'usage: npm run fuzz:backup -- --seeds N [--from S] [--format v1|v2|v3|both] [--mutations M] [--temp-dir DIR] [--progress K] [--only S1,S2,...]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '0' },
      format: { type: 'string', default: 'both' },
      mutations: { type: 'string', default: '3' },
      'temp-dir': { type: 'string', default: tmpdir() },
      progress: { type: 'string', default: '0' },
      /** Replays the seeds listed (a sweep's disagreements) instead of a range. */
      only: { type: 'string' },
    },
  });
  const [seeds, from, mutationsMax, progress] = [values.seeds, values.from, values.mutations, values.progress].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const formats: FuzzFormat[] = values.format === 'both' ? ['v1', 'v2', 'v3'] : [values.format as FuzzFormat];
  const seedList =
    values.only === undefined ? Array.from({ length: seeds }, (_, index) => from + index) : values.only.split(',').map(Number);
  if (
    ![seeds, from, mutationsMax, progress, ...seedList].every((value) => Number.isSafeInteger(value) && value >= 0) ||
    mutationsMax < 1 ||
    !formats.every((format) => format in fuzzFormats)
  ) {
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
      for (const [index, seed] of seedList.entries()) {
        const outcome = await environment.runSeed(seed, format, mutationsMax);
        const before = tally.disagreements.length;
        tally.add(outcome);
        for (const { line } of tally.disagreements.slice(before)) console.log(line);
        if (progress > 0 && (index + 1) % progress === 0)
          console.error(
            `${format}: ${index + 1} of ${seedList.length} seeds, ${tally.disagreements.length} disagreements, ${((Date.now() - startedMs) / 1000).toFixed(0)} s`,
          );
      }
    }
  } finally {
    await environment.close();
  }
  const described = values.only === undefined ? `seeds ${from}..${from + seeds - 1}` : `seeds ${values.only}`;
  console.log(
    `\nbackup fuzz: ${described}, format ${formats.join(' and ')}, at most ${mutationsMax} mutations a seed, ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
  );
  for (const [format, tally] of tallies) console.log(`\n[${format}]\n${tally.summary()}`);
  return [...tallies.values()].some((tally) => tally.disagreements.length > 0) ? 1 : 0;
}

process.exitCode = await main();
