// One simulation run: a seed's world stepped with faults, checked at random points and at the end.
import { SeededRandom } from '../../src/random.js';
import { simConfigFor, type SimConfig, type SimConfigOverrides } from './sim-config.js';
import { SimWorld, type WorldStats } from './sim-world.js';
import { checkConsistentCut, checkCutStateEqualsReplay, type SimViolation } from './sim-checks.js';
import { checkRestores } from './sim-restore-check.js';
import { checkPointInTimeRestore } from './sim-pitr-check.js';
import { checkTrace } from './sim-trace-check.js';

export interface SimResult {
  readonly seed: number;
  readonly config: SimConfig;
  /** Empty when every check passed. The run stops at the first check that finds a violation. */
  readonly violations: readonly SimViolation[];
  readonly stats: WorldStats & {
    steps: number;
    checkpoints: number;
    backupsCompleted: number;
    backupsFailed: number;
    cutsReplayed: number;
    restores: number;
    restoresRefusedAfterLostWrite: number;
    pointInTimeRestores: number;
    pointInTimeRefused: number;
    traceEvents: number;
    storeFaults: number;
  };
}

export interface SimRunOptions extends SimConfigOverrides {
  /** Recorded cuts replayed at the end (mid-run checks replay one each). */
  readonly finalReplays?: number;
  /** Backups restored at the end (mid-run checks restore one each). */
  readonly finalRestores?: number;
  /** false: skip the trace checker (TraceIsSpecBehaviour), e.g. to see what the other checkers catch alone. */
  readonly validateTrace?: boolean;
}

/** Runs seed `seed`; everything (configuration, schedule, faults, checks) derives from it. */
export async function runSimulation(seed: number, options: SimRunOptions = {}): Promise<SimResult> {
  const config = simConfigFor(seed, options);
  const world = await SimWorld.open(config);
  const run = new CheckedRun(world, new SeededRandom(config.seeds.restore));
  let settled = false;
  try {
    for (let step = 0; step < config.steps && run.violations.length === 0; step++) {
      await world.step();
      if (run.random.next() < config.checkProbability) await run.check(1, 1);
    }
    if (run.violations.length === 0) {
      settled = await world.settle();
      if (settled) {
        await run.check(options.finalReplays ?? 3, options.finalRestores ?? 2);
        if ((options.finalRestores ?? 2) > 0) await run.checkPointInTime();
      } else
        run.violations.push({
          invariant: 'Settles',
          message: 'the cluster did not settle: work was still in flight after every partition restarted',
        });
    }
  } catch (error) {
    // An exception out of the engine, the manager or a checker fails the seed like a violation does.
    run.violations.push({
      invariant: 'RunsWithoutError',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  } finally {
    await world.close(process.env.SIM_KEEP === '1');
  }
  // The whole run's protocol trace, restores included, must be a behaviour of the spec; a run that stopped early is checked as far as it got.
  if (options.validateTrace !== false)
    run.violations.push(...(await checkTrace(world.trace.events, settled && run.violations.length === 0)));
  const outcomes = world.manager.outcomes;
  return {
    seed,
    config,
    violations: run.violations,
    stats: {
      ...world.stats,
      ...run.counts,
      traceEvents: world.trace.events.length,
      steps: world.stepIndex,
      checkpoints: world.scheduler.nextCheckpointId - 1,
      backupsCompleted: outcomes.filter((outcome) => outcome.status === 'COMPLETED').length,
      backupsFailed: outcomes.filter((outcome) => outcome.status === 'FAILED').length,
      storeFaults: world.store.faults().length,
    },
  };
}

/** The checkers of one run, with what they found and how much they checked. */
class CheckedRun {
  readonly violations: SimViolation[] = [];
  readonly counts = { cutsReplayed: 0, restores: 0, restoresRefusedAfterLostWrite: 0, pointInTimeRestores: 0, pointInTimeRefused: 0 };

  constructor(
    private readonly world: SimWorld,
    readonly random: SeededRandom,
  ) {}

  async check(replays: number, restores: number): Promise<void> {
    this.violations.push(...checkConsistentCut(this.world));
    const replayed = checkCutStateEqualsReplay(this.world, this.random, replays);
    this.violations.push(...replayed.violations);
    this.counts.cutsReplayed += replayed.checked;
    const restored = await checkRestores(this.world, this.random, restores);
    this.violations.push(...restored.violations);
    this.counts.restores += restored.restored;
    this.counts.restoresRefusedAfterLostWrite += restored.refusedAfterLostWrite;
  }

  /** A point-in-time restore to a random checkpoint, stitched from consecutive backups (the final check only). */
  async checkPointInTime(): Promise<void> {
    const checked = await checkPointInTimeRestore(this.world, this.random);
    this.violations.push(...checked.violations);
    this.counts.pointInTimeRestores += checked.restored;
    this.counts.pointInTimeRefused += checked.refused;
  }
}

/** The lines a failing seed prints: what broke, and how to replay it. */
export function describeFailure(result: SimResult): string[] {
  const mutation = result.config.mutation === 'none' ? '' : ` SIM_MUTATION=${result.config.mutation}`;
  return [
    `seed ${result.seed} FAILED (${result.config.partitionCount} partitions, ${result.stats.steps} steps, mutation ${result.config.mutation}):`,
    ...result.violations.slice(0, 5).map((violation) => `  ${violation.invariant}: ${violation.message}`),
    ...(result.violations.length > 5 ? [`  ... and ${result.violations.length - 5} more`] : []),
    `  replay: SIM_SEED=${result.seed}${mutation} npm run sim`,
  ];
}
