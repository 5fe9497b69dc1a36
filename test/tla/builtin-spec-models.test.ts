// The broken models of spec/ through the built-in checker: each fails ConsistentCut/RangesContiguous with a trace.
// (The passing models take tens of seconds; CI checks them with `npm run model-check`.)
import { describe, expect, it } from 'vitest';
import { builtinBackend } from '../../src/tla/builtin/index.js';
import { defaultModelsPath, loadModels } from '../../src/tla/models.js';

describe('built-in checker on the broken models of spec/', async () => {
  const models = (await loadModels(defaultModelsPath())).filter((m) => m.expected !== 'pass');
  it('has broken models to check', () => {
    expect(models.length).toBeGreaterThanOrEqual(3);
  });
  for (const model of models) {
    it(`${model.name} violates ${model.expected} with a counterexample`, async () => {
      const result = await builtinBackend.check(model);
      expect(result.message).toBeUndefined();
      expect(result.outcome).toBe('invariant-violated');
      expect(result.violated).toBe(model.expected);
      expect(result.trace?.[0]?.action).toBe('Initial predicate');
      expect(result.trace?.length).toBeGreaterThan(1);
    });
  }
});
