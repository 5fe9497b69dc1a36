// The built-in model checker behind the ModelCheckBackend seam: parse, evaluate, explore breadth first, check liveness.
import { isCutlineError } from '../../errors.js';
import type { CheckOptions, ModelCheckBackend, ModelCheckResult, ModelInput } from '../backend.js';
import { runBfs } from './bfs.js';
import type { BfsResult } from './bfs.js';
import { checkLiveness, livenessProperties } from './liveness.js';
import { splitProperties } from './property-split.js';
import { searchChecks } from './search-checks.js';
import { loadModel } from './model.js';
import type { Model } from './model.js';
import { edgeAction, traceStates } from './trace.js';
import type { OpDef } from './ast.js';
import type { Value } from './value.js';

const propertyKindOf = { initial: 'initial', action: 'action', temporal: 'safety' } as const;

function safetyResult(model: Model, bfs: BfsResult, started: number): ModelCheckResult {
  const base = { backend: 'builtin' as const, statesGenerated: bfs.statesGenerated, distinctStates: bfs.distinctStates, depth: bfs.depth };
  const v = bfs.violation;
  if (v === undefined) throw new Error('safetyResult needs a violation');
  const states = v.path.map((id) => bfs.graph.states[id] as Value[]);
  // A [](P => []Q) counterexample may take edges outside the BFS tree: each step is labelled by the action that takes it.
  const labels: (OpDef | undefined | null)[] =
    v.kind === 'temporal'
      ? v.path.map((id, i) => (i === 0 ? null : edgeAction(model, bfs.graph, v.path[i - 1] as number, id)))
      : v.path.map((id) => (bfs.graph.parents[id] === -1 ? null : bfs.graph.actions[id]));
  const allStates = v.extra === undefined ? states : [...states, v.extra.state];
  if (v.extra !== undefined) labels.push(v.path.length === 0 ? null : v.extra.action);
  return {
    ...base,
    outcome: v.kind === 'deadlock' ? 'deadlock' : v.kind === 'invariant' ? 'invariant-violated' : 'property-violated',
    ...(v.name === undefined ? {} : { violated: v.name }),
    ...(v.kind === 'initial' || v.kind === 'action' || v.kind === 'temporal' ? { propertyKind: propertyKindOf[v.kind] } : {}),
    trace: traceStates(model, allStates, labels),
    liveness: { checked: false, note: 'a safety violation stopped the search before liveness was checked' },
    durationMs: Date.now() - started,
  };
}

function checkModel(model: Model, options: CheckOptions, started: number): ModelCheckResult {
  const wantLiveness = options.checkLiveness !== false;
  const split = splitProperties(model);
  const liveness = wantLiveness ? livenessProperties(split.liveness) : [];
  const prefixes = wantLiveness ? split.prefixes : [];
  const checks = searchChecks(model, split.initial, split.steps, prefixes);
  const bfs = runBfs(model, {
    keepGraph: liveness.length > 0 || prefixes.length > 0,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(checks === undefined ? {} : { checks }),
  });
  if (bfs.violation !== undefined) return safetyResult(model, bfs, started);
  const base = { backend: 'builtin' as const, statesGenerated: bfs.statesGenerated, distinctStates: bfs.distinctStates, depth: bfs.depth };
  const pass = (liveness: ModelCheckResult['liveness']): ModelCheckResult => ({
    ...base,
    outcome: 'pass',
    liveness,
    durationMs: Date.now() - started,
  });
  if (model.properties.length === 0) return pass({ checked: true, note: 'the model has no PROPERTY' });
  if (!wantLiveness) return pass({ checked: false, note: 'liveness checking was turned off' });
  const live = checkLiveness(model, bfs.graph, liveness);
  if (live.violation === undefined) return pass({ checked: true });
  return {
    ...base,
    outcome: 'property-violated',
    violated: live.violation.property,
    propertyKind: 'liveness',
    trace: traceStates(model, live.violation.states, live.violation.actions),
    ...(live.violation.loopsBackTo === undefined ? {} : { loopsBackTo: live.violation.loopsBackTo }),
    liveness: { checked: true },
    durationMs: Date.now() - started,
  };
}

export class BuiltinBackend implements ModelCheckBackend {
  readonly name = 'builtin' as const;

  async check(input: ModelInput, options: CheckOptions = {}): Promise<ModelCheckResult> {
    const started = Date.now();
    try {
      return checkModel(await loadModel(input.specPath, input.configPath), options, started);
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
