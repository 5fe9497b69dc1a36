// `npm run sim`: one seed (SIM_SEED, replayed exactly) or a sweep (--seeds N [--first-seed S]), with runs per second.
import { performance } from 'node:perf_hooks';
import { describeFailure, runSimulation } from './sim-run.js';
import type { SimMutation } from './sim-config.js';

interface SweepArguments {
  readonly seeds: number;
  readonly firstSeed: number;
  readonly mutation: SimMutation;
  readonly verbose: boolean;
}

const mutations: readonly SimMutation[] = ['none', 'no-piggybacking', 'process-before-checkpoint'];

function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv): SweepArguments {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(name);
    return index < 0 ? undefined : argv[index + 1];
  };
  const integer = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const parsed = Number(text);
    if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
    return parsed;
  };
  const mutation = (value('--mutation') ?? env.SIM_MUTATION ?? 'none') as SimMutation;
  if (!mutations.includes(mutation)) throw new Error(`--mutation must be one of ${mutations.join(', ')}, got ${JSON.stringify(mutation)}`);
  if (env.SIM_SEED !== undefined) return { seeds: 1, firstSeed: integer('SIM_SEED', env.SIM_SEED, 0), mutation, verbose: true };
  return {
    seeds: integer('--seeds', value('--seeds'), 100),
    firstSeed: integer('--first-seed', value('--first-seed'), 1),
    mutation,
    verbose: argv.includes('--verbose'),
  };
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2), process.env);
  const started = performance.now();
  let failures = 0;
  let firstFailure: number | undefined;
  for (let seed = args.firstSeed; seed < args.firstSeed + args.seeds; seed++) {
    const result = await runSimulation(seed, { mutation: args.mutation });
    if (args.verbose) console.log(`seed ${seed}: ${JSON.stringify(result.stats)}`);
    if (result.violations.length > 0) {
      failures++;
      firstFailure ??= seed;
      for (const line of describeFailure(result)) console.log(line);
    }
    const done = seed - args.firstSeed + 1;
    if (!args.verbose && done % 100 === 0)
      console.log(`${done} seeds, ${failures} failed, ${(done / ((performance.now() - started) / 1000)).toFixed(2)} runs/s`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `simulation: ${args.seeds} seeds from ${args.firstSeed} (mutation ${args.mutation}), ${failures} failed` +
      `${firstFailure === undefined ? '' : ` (first: seed ${firstFailure})`}, ${seconds.toFixed(1)} s, ${(args.seeds / seconds).toFixed(2)} runs/s`,
  );
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
