// Action and temporal properties of issue 17 ([][A]_v, []<><<A>>_v, [](P => []Q)), each against the figures TLC gives (-workers 1).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { builtinBackend } from '../../src/tla/builtin/index.js';
import type { ModelCheckResult } from '../../src/tla/backend.js';
import { tlcExitStatus } from '../../src/tla/spec-check.js';
import { expectTlcFigures } from './tlc-figures.js';

const dir = fileURLToPath(new URL('./specs/', import.meta.url));

interface Case {
  readonly config: string;
  readonly outcome: ModelCheckResult['outcome'];
  /** TLC's exit status. */
  readonly exit: number;
  /** The name in TLC's verdict line. */
  readonly violated?: string;
  /** Which of TLC's verdicts for a violated PROPERTY: "Action property X is violated.", or "Temporal property X was violated." ending as a safety violation or with a lasso. */
  readonly kind?: ModelCheckResult['propertyKind'];
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  /** The states TLC prints, without its closing "Stuttering" line. */
  readonly traceLength?: number;
  /** TLC's "Back to state N" (N = traceLength for a stuttering lasso). */
  readonly loopsBackTo?: number;
}

// TLC (tla2tools built from tlaplus/tlaplus at cc6b616) on test/tla/specs/ActionProp.tla with each .cfg.
const cases: readonly Case[] = [
  // [][A]_v, as a definition and under \A: checked on every step.
  { config: 'ActionPropPass', outcome: 'pass', exit: 0, distinct: 12, generated: 19, depth: 6 },
  // NeverReset == Grows(x) /\ Grows(y): TLC names the definition whose body is [][A]_v; the bad step goes to a state seen before.
  {
    config: 'ActionPropReset',
    outcome: 'property-violated',
    exit: 13,
    violated: 'Grows',
    kind: 'action',
    distinct: 12,
    generated: 19,
    depth: 6,
    traceLength: 7,
  },
  // Found at the first IncY step: the search stops with 3 distinct states, 1 left on the queue.
  {
    config: 'ActionPropEarly',
    outcome: 'property-violated',
    exit: 13,
    violated: 'YAfterX',
    kind: 'action',
    distinct: 3,
    generated: 3,
    depth: 2,
    traceLength: 2,
  },
  // Under \A the formula is the body of no definition: TLC names it by its extent.
  {
    config: 'ActionPropEach',
    outcome: 'property-violated',
    exit: 13,
    violated: 'line 20, col 32 to line 20, col 59 of module ActionProp',
    kind: 'action',
    distinct: 12,
    generated: 19,
    depth: 6,
    traceLength: 7,
  },
  // []<><<A>>_v: with WF_vars(Next) Reset steps recur; without fairness the behavior stutters at (3, 2).
  { config: 'ActionPropMixed', outcome: 'pass', exit: 0, distinct: 12, generated: 19, depth: 6 },
  {
    config: 'ActionPropOftenUnfair',
    outcome: 'property-violated',
    kind: 'liveness',
    exit: 13,
    violated: 'OftenReset',
    distinct: 12,
    generated: 19,
    depth: 6,
    traceLength: 6,
    loopsBackTo: 6,
  },
  // Fair, yet a behavior may always take IncY first from (0, 0): the cycle (0, 0) -> ... -> (3, 2) -> (0, 0).
  {
    config: 'ActionPropOftenFair',
    outcome: 'property-violated',
    kind: 'liveness',
    exit: 13,
    violated: 'OftenXFirst',
    distinct: 12,
    generated: 19,
    depth: 6,
    traceLength: 6,
    loopsBackTo: 1,
  },
  // A conjunction of [][A]_v, \A i : []<><<A_i>>_v and []<><<Reset>>_vars, without fairness: x may never change.
  {
    config: 'ActionPropMixedUnfair',
    outcome: 'property-violated',
    kind: 'liveness',
    exit: 13,
    violated: 'Mixed',
    distinct: 12,
    generated: 19,
    depth: 6,
    traceLength: 3,
    loopsBackTo: 3,
  },
  // [](P => []Q) without fairness: TLC finds it while it searches and ends as for a safety violation (exit 12).
  { config: 'ActionPropThenPass', outcome: 'pass', exit: 0, distinct: 12, generated: 19, depth: 6 },
  {
    config: 'ActionPropThenNow',
    outcome: 'property-violated',
    exit: 12,
    violated: 'XThenY',
    kind: 'safety',
    distinct: 10,
    generated: 13,
    depth: 5,
    traceLength: 4,
  },
  {
    config: 'ActionPropThenLater',
    outcome: 'property-violated',
    exit: 12,
    violated: 'TopKeepsX',
    kind: 'safety',
    distinct: 12,
    generated: 19,
    depth: 6,
    traceLength: 7,
  },
];

const check = (config: string): Promise<ModelCheckResult> =>
  builtinBackend.check({ specPath: `${dir}ActionProp.tla`, configPath: `${dir}${config}.cfg` });

describe('built-in checker: action and temporal properties as TLC checks them', () => {
  for (const c of cases) {
    it(`${c.config}: ${c.outcome} (exit ${c.exit}), ${c.distinct} distinct, ${c.generated} generated, depth ${c.depth}`, async () => {
      const result = await check(c.config);
      expectTlcFigures(result, c);
      expect(tlcExitStatus(result)).toBe(c.exit);
      expect(result.violated).toBe(c.violated);
      expect(result.propertyKind).toBe(c.kind);
      expect(result.trace?.length).toBe(c.traceLength);
      expect(result.loopsBackTo).toBe(c.loopsBackTo);
    });
  }

  it('ends an action-property counterexample with the bad step, labelled by its action', async () => {
    const result = await check('ActionPropReset');
    const last = result.trace?.[6];
    expect(last?.variables).toEqual({ x: '0', y: '0' });
    expect(last?.action).toMatch(/^Reset line 11, col \d+ of module ActionProp$/);
  });

  it('labels each step of a lasso by the action that takes it, also off the BFS tree', async () => {
    const result = await check('ActionPropOftenFair');
    expect(result.trace?.map((s) => `${s.variables['x']},${s.variables['y']}`)).toEqual(['0,0', '0,1', '0,2', '1,2', '2,2', '3,2']);
    expect(result.trace?.slice(1).map((s) => s.action.split(' ')[0])).toEqual(['IncY', 'IncY', 'IncX', 'IncX', 'IncX']);
  });

  it('refuses <><<A>>_v with the reason and the exit status TLC gives (255), and [](P => []Q) under fairness', async () => {
    for (const config of ['ActionPropSomeUnfair', 'ActionPropSomeFair', 'ActionPropFair']) {
      const result = await check(config);
      expect(result).toMatchObject({ outcome: 'error', errorCode: 'TLA_PROPERTY_FORM' });
      expect(result.message).toContain('temporal formulas containing actions must be of forms <>[]A or []<>A');
      expect(tlcExitStatus(result)).toBe(255);
    }
    // TLC checks it with its liveness check then, and prints a lasso through its tableau (13 states, back to state 8).
    const fair = await check('ActionPropThenFair');
    expect(fair).toMatchObject({ outcome: 'error', errorCode: 'TLA_UNSUPPORTED' });
    expect(fair.message).toContain('[](P => []Q) in TopKeepsX with a specification that has fairness conditions');
  });
});
