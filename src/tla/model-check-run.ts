// Runs the listed models on one backend and compares each outcome with the one models.json expects.
import type { CheckOptions, ModelCheckBackend, ModelCheckResult } from './backend.js';
import type { ResolvedModel } from './models.js';

export interface ModelVerdict {
  readonly model: string;
  readonly expected: string;
  /** "pass", the violated name, or the outcome when nothing was named ("deadlock", "error"). */
  readonly actual: string;
  readonly matches: boolean;
  /** Counts recorded in models.json that this run contradicts (only compared when both are known). */
  readonly countMismatch?: string;
  readonly result: ModelCheckResult;
}

export interface ModelCheckReport {
  readonly backend: string;
  readonly verdicts: readonly ModelVerdict[];
  readonly allMatch: boolean;
}

/** What a result amounts to, in the vocabulary of models.json's `expected`. */
export function actualOutcome(result: ModelCheckResult): string {
  if (result.outcome === 'pass') return 'pass';
  return result.violated ?? result.outcome;
}

/**
 * Counts are compared only when the run is exhaustive (a pass): a violation stops the search
 * at a point that depends on the checker's exploration order.
 */
function compareCounts(model: ResolvedModel, result: ModelCheckResult): string | undefined {
  const counts = model.counts;
  if (counts === undefined || result.outcome !== 'pass') return undefined;
  if (counts.distinctStates === result.distinctStates && counts.depth === result.depth) return undefined;
  return `expected ${counts.distinctStates} distinct states and depth ${counts.depth} (reported by ${counts.checker}), got ${result.distinctStates} and ${result.depth}`;
}

export async function runModels(
  models: readonly ResolvedModel[],
  backend: ModelCheckBackend,
  options: CheckOptions,
  onVerdict: (verdict: ModelVerdict) => void = () => {},
): Promise<ModelCheckReport> {
  const verdicts: ModelVerdict[] = [];
  for (const model of models) {
    options.signal?.throwIfAborted();
    const result = await backend.check({ specPath: model.specPath, configPath: model.configPath }, options);
    const actual = actualOutcome(result);
    const countMismatch = compareCounts(model, result);
    const verdict: ModelVerdict = {
      model: model.name,
      expected: model.expected,
      actual,
      matches: actual === model.expected && countMismatch === undefined,
      ...(countMismatch === undefined ? {} : { countMismatch }),
      result,
    };
    verdicts.push(verdict);
    onVerdict(verdict);
  }
  return { backend: backend.name, verdicts, allMatch: verdicts.every((v) => v.matches) };
}
