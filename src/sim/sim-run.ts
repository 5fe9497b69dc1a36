// One simulation run: a seed's world stepped with faults, checked at random points and at the end.
import { SeededRandom } from '../random.js';
import { simConfigFor, type SimConfig, type SimConfigOverrides } from './sim-config.js';
import { SimWorld, type WorldStats } from './sim-world.js';
import { checkConsistentCut, checkCutStateEqualsReplay, type SimViolation } from './sim-checks.js';
import { checkRestores } from './sim-restore-check.js';

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
    storeFaults: number;
  };
}

export interface SimRunOptions extends SimConfigOverrides {
  /** Recorded cuts replayed at the end (mid-run checks replay one each). */
  readonly finalReplays?: number;
  /** Backups restored at the end (mid-run checks restore one each). */
  readonly finalRestores?: number;
}

/** Runs seed `seed`; everything (configuration, schedule, faults, checks) derives from it. */
export async function runSimulation(seed: number, options: SimRunOptions = {}): Promise<SimResult> {
  const config = simConfigFor(seed, options);
  const world = await SimWorld.open(config);
  const checkRandom = new SeededRandom(config.seeds.restore);
  const violations: SimViolation[] = [];
  const counts = { cutsReplayed: 0, restores: 0, restoresRefusedAfterLostWrite: 0 };
  const check = async (replays: number, restores: number): Promise<void> => {
    violations.push(...checkConsistentCut(world));
    const replayed = checkCutStateEqualsReplay(world, checkRandom, replays);
    violations.push(...replayed.violations);
    counts.cutsReplayed += replayed.checked;
    const restored = await checkRestores(world, checkRandom, restores);
    violations.push(...restored.violations);
    counts.restores += restored.restored;
    counts.restoresRefusedAfterLostWrite += restored.refusedAfterLostWrite;
  };
  try {
    for (let step = 0; step < config.steps && violations.length === 0; step++) {
      await world.step();
      if (checkRandom.next() < config.checkProbability) await check(1, 1);
    }
    if (violations.length === 0) {
      if (await world.settle()) await check(options.finalReplays ?? 3, options.finalRestores ?? 2);
      else violations.push({ invariant: 'Settles', message: 'the cluster did not settle: work was still in flight after every partition restarted' });
    }
    const outcomes = world.manager.outcomes;
    return {
      seed,
      config,
      violations,
      stats: {
        ...world.stats,
        ...counts,
        steps: world.stepIndex,
        checkpoints: world.scheduler.nextCheckpointId - 1,
        backupsCompleted: outcomes.filter((outcome) => outcome.status === 'COMPLETED').length,
        backupsFailed: outcomes.filter((outcome) => outcome.status === 'FAILED').length,
        storeFaults: world.store.faults().length,
      },
    };
  } finally {
    await world.close();
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
