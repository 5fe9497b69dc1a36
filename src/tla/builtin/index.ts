// The built-in model checker behind the ModelCheckBackend seam: parse, evaluate, explore breadth first, check liveness.
import { isCutlineError } from '../../errors.js';
import type { CheckOptions, ModelCheckBackend, ModelCheckResult, ModelInput } from '../backend.js';
import { runBfs } from './bfs.js';
import type { BfsResult } from './bfs.js';
import { checkLiveness } from './liveness.js';
import { loadModel } from './model.js';
import type { Model } from './model.js';
import { traceStates } from './trace.js';
import type { OpDef } from './ast.js';
import type { Value } from './value.js';

function safetyResult(model: Model, bfs: BfsResult, started: number): ModelCheckResult {
  const base = { backend: 'builtin' as const, statesGenerated: bfs.statesGenerated, distinctStates: bfs.distinctStates, depth: bfs.depth };
  const v = bfs.violation;
  if (v === undefined) throw new Error('safetyResult needs a violation');
  const states = v.path.map((id) => bfs.graph.states[id] as Value[]);
  const labels: (OpDef | undefined | null)[] = v.path.map((id) => (bfs.graph.parents[id] === -1 ? null : bfs.graph.actions[id]));
  const allStates = v.extra === undefined ? states : [...states, v.extra.state];
  if (v.extra !== undefined) labels.push(v.path.length === 0 ? null : v.extra.action);
  return {
    ...base,
    outcome: v.kind === 'deadlock' ? 'deadlock' : 'invariant-violated',
    ...(v.name === undefined ? {} : { violated: v.name }),
    trace: traceStates(model, allStates, labels),
    liveness: { checked: false, note: 'a safety violation stopped the search before liveness was checked' },
    durationMs: Date.now() - started,
  };
}

export class BuiltinBackend implements ModelCheckBackend {
  readonly name = 'builtin' as const;

  async check(input: ModelInput, options: CheckOptions = {}): Promise<ModelCheckResult> {
    const started = Date.now();
    try {
      const model = await loadModel(input.specPath, input.configPath);
      const wantLiveness = options.checkLiveness !== false && model.properties.length > 0;
      const bfs = runBfs(model, { keepGraph: wantLiveness, ...(options.signal === undefined ? {} : { signal: options.signal }) });
      if (bfs.violation !== undefined) return safetyResult(model, bfs, started);
      const base = {
        backend: 'builtin' as const,
        statesGenerated: bfs.statesGenerated,
        distinctStates: bfs.distinctStates,
        depth: bfs.depth,
      };
      if (model.properties.length === 0)
        return {
          ...base,
          outcome: 'pass',
          liveness: { checked: true, note: 'the model has no PROPERTY' },
          durationMs: Date.now() - started,
        };
      if (!wantLiveness)
        return {
          ...base,
          outcome: 'pass',
          liveness: { checked: false, note: 'liveness checking was turned off' },
          durationMs: Date.now() - started,
        };
      const live = checkLiveness(model, bfs.graph);
      if (live.violation === undefined) return { ...base, outcome: 'pass', liveness: { checked: true }, durationMs: Date.now() - started };
      return {
        ...base,
        outcome: 'property-violated',
        violated: live.violation.property,
        trace: traceStates(model, live.violation.states, live.violation.actions),
        ...(live.violation.loopsBackTo === undefined ? {} : { loopsBackTo: live.violation.loopsBackTo }),
        liveness: { checked: true },
        durationMs: Date.now() - started,
      };
    } catch (error) {
      if (!isCutlineError(error)) throw error;
      return {
        backend: 'builtin',
        outcome: 'error',
        message: `[${error.code}] ${error.message}`,
        errorCode: error.code,
        statesGenerated: 0,
        distinctStates: 0,
        depth: 0,
        liveness: { checked: false, note: 'model checking failed' },
        durationMs: Date.now() - started,
      };
    }
  }
}

export const builtinBackend: ModelCheckBackend = new BuiltinBackend();
