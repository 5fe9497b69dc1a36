// The equivalence corpus: small specs whose counts are derived by hand (see each module's comment) or published for TLC.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { builtinBackend } from '../../src/tla/builtin/index.js';
import type { ModelCheckResult } from '../../src/tla/backend.js';
import { expectTlcFigures } from './tlc-figures.js';

const dir = fileURLToPath(new URL('./specs/', import.meta.url));

function check(module: string, config: string): Promise<ModelCheckResult> {
  return builtinBackend.check({ specPath: `${dir}${module}.tla`, configPath: `${dir}${config}.cfg` });
}

interface Case {
  readonly module: string;
  readonly config: string;
  readonly outcome: ModelCheckResult['outcome'];
  readonly violated?: string;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly traceLength?: number;
}

const cases: readonly Case[] = [
  // 16 distinct states is TLC's published figure for DieHard with TypeOK; 97 = 1 + 16 * 6 actions, all always enabled.
  { module: 'DieHard', config: 'DieHard', outcome: 'pass', distinct: 16, generated: 97, depth: 8 },
  // The shortest solution pours 6 times, so the trace has 7 states.
  {
    module: 'DieHard',
    config: 'DieHardSolved',
    outcome: 'invariant-violated',
    violated: 'NotSolved',
    distinct: 14,
    generated: 73,
    depth: 7,
    traceLength: 7,
  },
  { module: 'Bounded', config: 'Bounded', outcome: 'pass', distinct: 6, generated: 7, depth: 6 },
  { module: 'Stops', config: 'Stops', outcome: 'deadlock', distinct: 4, generated: 4, depth: 4, traceLength: 4 },
  { module: 'Branching', config: 'Branching', outcome: 'pass', distinct: 6, generated: 10, depth: 3 },
  { module: 'Queue', config: 'Queue', outcome: 'pass', distinct: 7, generated: 13, depth: 3 },
  {
    module: 'Queue',
    config: 'QueueFull',
    outcome: 'invariant-violated',
    violated: 'NeverFull',
    distinct: 4,
    generated: 4,
    depth: 3,
    traceLength: 3,
  },
  { module: 'Tokens', config: 'Tokens', outcome: 'pass', distinct: 4, generated: 7, depth: 2 },
  { module: 'Tokens', config: 'TokensSymmetric', outcome: 'pass', distinct: 2, generated: 5, depth: 2 },
  { module: 'Cycle', config: 'CycleFair', outcome: 'pass', distinct: 3, generated: 4, depth: 3 },
  { module: 'Cycle', config: 'CycleUnfair', outcome: 'property-violated', violated: 'OftenTwo', distinct: 3, generated: 4, depth: 3 },
  { module: 'Strong', config: 'StrongWeak', outcome: 'property-violated', violated: 'EventuallyY', distinct: 4, generated: 7, depth: 4 },
  {
    module: 'Strong',
    config: 'StrongWeakLeadsTo',
    outcome: 'property-violated',
    violated: 'OneLeadsToY',
    distinct: 4,
    generated: 7,
    depth: 4,
  },
  { module: 'Strong', config: 'StrongStrong', outcome: 'pass', distinct: 4, generated: 7, depth: 4 },
];

describe('built-in checker: equivalence corpus', () => {
  for (const c of cases) {
    it(`${c.config}: ${c.outcome}, ${c.distinct} distinct, ${c.generated} generated, depth ${c.depth}`, async () => {
      const result = await check(c.module, c.config);
      expect(result.message).toBeUndefined();
      expectTlcFigures(result, c);
      if (c.violated !== undefined) expect(result.violated).toBe(c.violated);
      if (c.traceLength !== undefined) expect(result.trace).toHaveLength(c.traceLength);
      if (c.outcome === 'pass') expect(result.trace).toBeUndefined();
    });
  }

  it('prints the shortest counterexample with the actions that produced each state', async () => {
    const result = await check('DieHard', 'DieHardSolved');
    expect(result.trace?.[0]).toEqual({ index: 1, action: 'Initial predicate', variables: { small: '0', big: '0' } });
    expect(result.trace?.[6]?.variables).toEqual({ small: '3', big: '4' });
    expect(result.trace?.[6]?.action).toMatch(/^BigToSmall line \d+, col \d+ of module DieHard$/);
  });

  it('reports a liveness violation without fairness as a stuttering lasso', async () => {
    const result = await check('Cycle', 'CycleUnfair');
    expect(result.liveness.checked).toBe(true);
    const xs = result.trace?.map((s) => s.variables['x']) ?? [];
    expect(xs[0]).toBe('0');
    expect(xs).not.toContain('2');
    // The lasso's last state loops back to itself: the behavior stutters there forever.
    expect(result.loopsBackTo).toBe(xs.length);
    expect(result.trace?.slice(1).every((s) => s.action.startsWith('Next line'))).toBe(true);
  });

  it('reports a weak-fairness counterexample as a cycle that never takes B', async () => {
    const result = await check('Strong', 'StrongWeak');
    const states = result.trace?.map((s) => `${s.variables['x']},${s.variables['y']}`) ?? [];
    expect(states.every((s) => s.endsWith('FALSE'))).toBe(true);
    expect(states).toContain('1,FALSE');
    expect(result.loopsBackTo).toBeDefined();
  });
});
