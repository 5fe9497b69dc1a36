// Benchmark: distinct states per second of the built-in checker on the largest model of spec/, against the raw cost
// of fingerprinting the same states and inserting them into a fingerprint set (measured in the same run).
// Env: BENCH_MODEL=<name in spec/models.json> picks another model; BENCH_LIVENESS=1 includes liveness checking.
import { performance } from 'node:perf_hooks';
import { runBfs } from '../src/tla/builtin/bfs.js';
import { FingerprintSet } from '../src/tla/builtin/fp-set.js';
import { loadModel } from '../src/tla/builtin/model.js';
import { checkLiveness } from '../src/tla/builtin/liveness.js';
import { fingerprintState, stateFingerprint } from '../src/tla/builtin/symmetry.js';
import { FnValue, SetValue } from '../src/tla/builtin/value.js';
import type { Value } from '../src/tla/builtin/value.js';
import { defaultModelsPath, loadModels } from '../src/tla/models.js';

/** Copies a value so cached fingerprints are recomputed, as the checker computes them for new states. */
function fresh(v: Value): Value {
  if (v instanceof SetValue) return new SetValue(v.elems.map(fresh));
  if (v instanceof FnValue) return new FnValue(v.keys.map(fresh), v.values.map(fresh));
  return v;
}

const models = await loadModels(defaultModelsPath());
const wanted = process.env['BENCH_MODEL'];
const byName = wanted === undefined ? undefined : models.find((m) => m.name === wanted);
const largest = [...models].sort((a, b) => (b.counts?.distinctStates ?? 0) - (a.counts?.distinctStates ?? 0))[0];
const entry = byName ?? largest;
if (entry === undefined) throw new Error(`no model ${wanted ?? ''} in spec/models.json`);
const withLiveness = process.env['BENCH_LIVENESS'] === '1';

const model = await loadModel(entry.specPath, entry.configPath);
const started = performance.now();
const cpuStarted = process.cpuUsage();
const bfs = runBfs(model, { keepGraph: withLiveness });
const bfsMs = performance.now() - started;
const bfsCpuMs = process.cpuUsage(cpuStarted).user / 1000;
let livenessMs = 0;
if (withLiveness) {
  const t = performance.now();
  checkLiveness(model, bfs.graph);
  livenessMs = performance.now() - t;
}

// The raw baseline: fingerprint every explored state afresh and insert it into an empty set.
const copies = bfs.graph.states.map((s) => s.map(fresh));
const t0 = performance.now();
const rawCpuStarted = process.cpuUsage();
const set = new FingerprintSet();
copies.forEach((state, id) => {
  fingerprintState(state, model.symmetry);
  set.putIfAbsent(stateFingerprint.high, stateFingerprint.low, id);
});
const rawMs = performance.now() - t0;
const rawCpuMs = process.cpuUsage(rawCpuStarted).user / 1000;

const perSecond = (ms: number): number => Math.round(bfs.distinctStates / (ms / 1000));
console.log(`model ${entry.name}: ${bfs.distinctStates} distinct states, ${bfs.statesGenerated} generated, depth ${bfs.depth}`);
// CPU time is printed too: on a shared machine wall time includes waiting for a core.
console.log(
  `built-in checker (1 thread): ${bfsMs.toFixed(0)} ms wall (${bfsCpuMs.toFixed(0)} ms CPU), ${perSecond(bfsMs)} distinct states/s (${perSecond(bfsCpuMs)} per CPU second)`,
);
if (withLiveness) console.log(`liveness on the state graph: ${livenessMs.toFixed(0)} ms`);
console.log(
  `raw baseline (fingerprint + fingerprint-set insert of the same states): ${rawMs.toFixed(0)} ms wall (${rawCpuMs.toFixed(0)} ms CPU), ${perSecond(rawMs)} states/s`,
);
console.log(`ratio checker/baseline: ${(bfsMs / rawMs).toFixed(1)}x wall, ${(bfsCpuMs / rawCpuMs).toFixed(1)}x CPU`);
console.log('worker threads: not implemented; the checker runs on one thread');
