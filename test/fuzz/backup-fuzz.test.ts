// Issue 16's promise under the backup fuzzer: what restore refuses, verify-backup --level full reports; what verify passes restores to the state at the cut.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { FuzzEnvironment, FuzzTally, type FuzzFormat } from './backup-fuzz.js';

/**
 * Seeds per format in `npm test`: on a 2-core machine a v1 seed (one backup) takes about 0.11 s and a
 * v2 seed (two backups sharing chunks) about 0.21 s, so these 320 seeds take about 50 s on their own.
 * Longer sweeps: `npm run fuzz:backup -- --seeds 10000`.
 */
const seedsPerFormat: Readonly<Record<FuzzFormat, number>> = { v1: 200, v2: 80, v3: 120 };

let environment: FuzzEnvironment;

beforeAll(async () => {
  environment = await FuzzEnvironment.open(tmpdir());
});

afterAll(async () => {
  await environment.close();
});

describe('backup fuzzer', () => {
  it.each(['v1', 'v2', 'v3'] as const)(
    'format %s: no seed breaks the promise',
    async (format) => {
      const tally = new FuzzTally();
      for (let seed = 0; seed < seedsPerFormat[format]; seed++) tally.add(await environment.runSeed(seed, format));
      expect(
        tally.disagreements.map((disagreement) => disagreement.line),
        tally.summary(),
      ).toEqual([]);
      // The sweep is not vacuous: most backups are broken and refused, and some survive their mutations and restore.
      expect(tally.seeds).toBe(seedsPerFormat[format]);
      expect(tally.checks - tally.restored).toBeGreaterThan(tally.checks / 2);
      expect(tally.restored).toBeGreaterThan(0);
      expect(tally.findingsByCode.size).toBeGreaterThan(10);
    },
    240_000,
  );

  it('a seed replays exactly', async () => {
    // Which of several broken files a restore trips on first depends on its parallel downloads, so the
    // refusal's code is not compared; the mutations and verify's findings are the seed's own.
    const replay = async () => {
      const outcome = await environment.runSeed(4242, 'v3');
      return {
        mutations: outcome.mutations,
        checks: outcome.checks.map((check) => ({ findings: check.findingCodes, restore: check.restore.kind })),
      };
    };
    const [first, second] = [await replay(), await replay()];
    expect(second).toEqual(first);
    expect(first.mutations.length).toBeGreaterThan(0);
  });
});
