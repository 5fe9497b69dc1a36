// One simulation run's configuration, drawn entirely from its seed (cluster shape, fault rates, lengths).
import { SeededRandom, type Random } from '../../src/random.js';
import type { TransportFaults } from '../../src/engine/transport.js';
import type { FaultPlan } from '../support/fault-injecting-backup-store.js';
import type { PartitionTestOptions } from '../../src/engine/partition-config.js';

/** The engine mutations the simulator must catch (test-only switches of the engine). */
export type SimMutation = 'none' | 'no-piggybacking' | 'process-before-checkpoint';

export interface SimConfig {
  readonly seed: number;
  readonly mutation: SimMutation;
  readonly partitionCount: number;
  readonly nodeCount: number;
  readonly steps: number;
  readonly workloadProbability: number;
  readonly checkpointProbability: number;
  readonly triggerDelayMsMax: number;
  readonly batchRecordsMax: number;
  readonly recordsPerTransaction: number;
  readonly snapshotIntervalRecords: number;
  readonly segmentSizeBytes: number;
  readonly transportFaults: TransportFaults;
  /** Per scheduler step: probability that a running partition crashes (it restarts some steps later). */
  readonly partitionCrashProbability: number;
  /** Per processed record: probability that processing crashes at one of the engine's crash points. */
  readonly processingCrashProbability: number;
  /** Per put of a backup upload: probability that its partition crashes just before it. */
  readonly uploadCrashProbability: number;
  readonly restartDelayStepsMax: number;
  readonly storeFaults: FaultPlan;
  readonly restoreGetFailProbability: number;
  /** Per step: probability of running the checkers in the middle of the run. */
  readonly checkProbability: number;
  /** Continuous mode: compaction keeps every record after the newest completed backup. */
  readonly continuousBackups: boolean;
  /** Seeds of the run's independent random streams. */
  readonly seeds: {
    readonly scheduler: number;
    readonly transport: number;
    readonly faults: number;
    readonly store: number;
    readonly restore: number;
  };
}

/** Options a caller may fix; everything else comes from the seed. */
export interface SimConfigOverrides {
  readonly mutation?: SimMutation;
  readonly steps?: number;
}

function chance(random: Random, probability: number, value: number): number {
  return random.next() < probability ? value : 0;
}

/** Draws the configuration of `seed`: the same seed gives the same configuration on every run. */
export function simConfigFor(seed: number, overrides: SimConfigOverrides = {}): SimConfig {
  const random = new SeededRandom(seed);
  const seedOf = (): number => random.int(0x7fff_ffff);
  const delayMsMax = random.int(40);
  const config: Omit<SimConfig, 'continuousBackups'> = {
    seed,
    mutation: overrides.mutation ?? 'none',
    partitionCount: 2 + random.int(3),
    nodeCount: 1 + random.int(2),
    steps: overrides.steps ?? 200 + random.int(400),
    workloadProbability: 0.2 + random.next() * 0.3,
    checkpointProbability: 0.01 + random.next() * 0.04,
    triggerDelayMsMax: random.int(60),
    batchRecordsMax: 1 + random.int(8),
    recordsPerTransaction: 1 + random.int(100),
    snapshotIntervalRecords: random.next() < 0.2 ? 0 : 20 + random.int(200),
    segmentSizeBytes: random.next() < 0.5 ? 4 * 1024 : 64 * 1024,
    transportFaults: {
      delayMsMin: 0,
      delayMsMax,
      duplicateProbability: random.next() * 0.15,
      lossProbability: random.next() * 0.1,
      reorder: random.next() < 0.8,
    },
    partitionCrashProbability: chance(random, 0.6, 0.004),
    processingCrashProbability: chance(random, 0.6, 0.002),
    uploadCrashProbability: chance(random, 0.5, 0.03),
    restartDelayStepsMax: 1 + random.int(40),
    storeFaults: {
      failProbability: chance(random, 0.5, 0.03),
      delayMsMax: random.int(10),
      loseWriteProbability: chance(random, 0.2, 0.01),
      operations: ['put', 'get', 'head'],
    },
    restoreGetFailProbability: chance(random, 0.5, 0.1),
    checkProbability: 0.01,
    seeds: { scheduler: seedOf(), transport: seedOf(), faults: seedOf(), store: seedOf(), restore: seedOf() },
  };
  // Drawn last, so that adding it left every earlier draw (and each seed's recorded figures) as it was.
  return { ...config, continuousBackups: random.next() < 0.5 };
}

/** The engine's test-only switches for a mutation. */
export function mutationOptions(mutation: SimMutation): Pick<PartitionTestOptions, 'piggybacking' | 'processBeforeCheckpoint'> {
  if (mutation === 'no-piggybacking') return { piggybacking: false };
  if (mutation === 'process-before-checkpoint') return { processBeforeCheckpoint: true };
  return {};
}
