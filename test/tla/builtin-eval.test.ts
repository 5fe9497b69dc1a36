// The evaluator against hand-computed values of each construct (test/tla/specs/Constructs.tla), printed as TLC prints them.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { ActionEvaluator } from '../../src/tla/builtin/actions.js';
import { parseConfig } from '../../src/tla/builtin/cfg.js';
import { formatValue } from '../../src/tla/builtin/format-value.js';
import { loadSpec } from '../../src/tla/builtin/loader.js';
import type { ResolvedSpec } from '../../src/tla/builtin/resolve-spec.js';
import { ModelValue, makeSet } from '../../src/tla/builtin/value.js';

const specPath = fileURLToPath(new URL('./specs/Constructs.tla', import.meta.url));

const expected: Record<string, string> = {
  Boolean1: 'TRUE',
  Quant1: 'TRUE',
  Quant2: 'TRUE',
  Choose1: '5',
  Case1: '"b"',
  Let1: '12',
  Sets1: '{1, 3, 4}',
  Sets2: '{2}',
  Subset1: '{{}, {1}, {2}, {1, 2}}',
  Union1: '{1, 2, 3}',
  Filter1: '{2, 4, 6}',
  Map1: '{10, 20, 30}',
  FnSet1: '9',
  Domain1: '{"a", "b"}',
  Apply1: '7',
  Except1: '<<1, 104, 0>>',
  Except2: '[a |-> 1, b |-> <<7, 3>>]',
  Tuple1: '<<1, "x", {2}>>',
  Seq1: '<<1, 2, 3, 5>>',
  Seq2: '<<2, 3>>',
  Seq3: '11',
  Rec1: '123',
  Fn1: '12',
  Tlc1: '<<"a", "b">>',
  Tlc2: '6',
  RecSet1: '4',
  Neg1: '-2',
  Model1: '{p1, p2}',
  Member1: 'TRUE',
};

describe('built-in evaluator', () => {
  let spec: ResolvedSpec;
  let evaluator: ActionEvaluator;
  beforeAll(async () => {
    spec = await loadSpec(specPath);
    const config = parseConfig('Constructs.cfg', await readFile(specPath.replace(/\.tla$/, '.cfg'), 'utf8'));
    expect(config.constants.get('Procs')).toEqual({
      kind: 'set',
      items: [
        { kind: 'modelValue', name: 'p2' },
        { kind: 'modelValue', name: 'p1' },
      ],
    });
    evaluator = new ActionEvaluator(spec, new Map([['Procs', makeSet([new ModelValue('p2'), new ModelValue('p1')])]]));
  });

  for (const [name, value] of Object.entries(expected)) {
    it(`${name} = ${value}`, () => {
      const def = spec.defs.get(name);
      if (def === undefined) throw new Error(`no definition ${name}`);
      expect(formatValue(evaluator.eval(def.body, null, { state: [], next: undefined, primed: false }))).toBe(value);
    });
  }
});
