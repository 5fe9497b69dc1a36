// The figures TLC reports for a model, and the check that the built-in checker reported the same ones.
import { expect } from 'vitest';
import type { ModelCheckResult } from '../../src/tla/backend.js';

export interface TlcFigures {
  readonly outcome: ModelCheckResult['outcome'];
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
}

export function expectTlcFigures(result: ModelCheckResult, figures: TlcFigures): void {
  expect(result).toMatchObject({
    backend: 'builtin',
    outcome: figures.outcome,
    distinctStates: figures.distinct,
    statesGenerated: figures.generated,
    depth: figures.depth,
  });
}
