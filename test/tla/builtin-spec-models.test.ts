// The broken models of spec/ through the built-in checker: each fails its expected invariant or property with a trace.
// (The passing models take tens of seconds; CI checks them with `npm run model-check`.)
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
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
      expect(result.outcome).toBe(isPropertyOf(model.configPath, model.expected) ? 'property-violated' : 'invariant-violated');
      expect(result.violated).toBe(model.expected);
      expect(result.trace?.[0]?.action).toBe('Initial predicate');
      expect(result.trace?.length).toBeGreaterThan(1);
    });
  }
});

/** Whether the .cfg lists the name under PROPERTY/PROPERTIES (a temporal property) rather than as an invariant. */
function isPropertyOf(configPath: string, name: string): boolean {
  const sections = readFileSync(configPath, 'utf8').split(/^(?=[A-Z_]+\b)/m);
  return sections.some((section) => /^PROPERT(Y|IES)\b/.test(section) && new RegExp(`\\b${name}\\b`).test(section));
}
