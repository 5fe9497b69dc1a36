// Benchmark: distinct states per second of the built-in checker on the largest model of spec/, against the raw cost
// of fingerprinting the same states and inserting them into a fingerprint set, and against TLC with one worker when a
// tla2tools.jar is found (TLA2TOOLS_JAR or cutline's cache), all measured in the same run.
// Env: BENCH_MODEL=<name in spec/models.json> picks another model, BENCH_MODEL=all runs every model; BENCH_LIVENESS=1
// includes liveness checking.
// TLC's time is its run's wall time less that of a one-state model run just before (JVM start, parsing the standard
// modules), so that the ratio compares checking, not start-up.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runBfs } from '../src/tla/builtin/bfs.js';
import { FingerprintSet } from '../src/tla/builtin/fp-set.js';
import { loadModel } from '../src/tla/builtin/model.js';
import { checkLiveness } from '../src/tla/builtin/liveness.js';
import { fingerprintState, stateFingerprint } from '../src/tla/builtin/symmetry.js';
import { FnValue, SetValue } from '../src/tla/builtin/value.js';
import type { Value } from '../src/tla/builtin/value.js';
import { defaultModelsPath, loadModels, type ResolvedModel } from '../src/tla/models.js';
import { TlcBackend } from '../src/tla/tlc-backend.js';
import { findTlcJar } from '../src/tla/tlc-jar.js';

/** Copies a value so cached fingerprints are recomputed, as the checker computes them for new states. */
function fresh(v: Value): Value {
  if (v instanceof SetValue) return new SetValue(v.elems.map(fresh));
  if (v instanceof FnValue) return new FnValue(v.keys.map(fresh), v.values.map(fresh));
  return v;
}

const withLiveness = process.env['BENCH_LIVENESS'] === '1';
const perSecond = (states: number, ms: number): number => Math.round(states / (ms / 1000));

interface Measured {
  readonly distinct: number;
  readonly ms: number;
}

/** `againstTlc`: TLC checks the .cfg's properties whatever is asked, so the built-in checker does too, and both times count them. */
async function measureBuiltin(entry: ResolvedModel, againstTlc: boolean): Promise<Measured> {
  const model = await loadModel(entry.specPath, entry.configPath);
  const live = withLiveness || (againstTlc && model.properties.length > 0);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const bfs = runBfs(model, { keepGraph: live });
  const bfsMs = performance.now() - started;
  const bfsCpuMs = process.cpuUsage(cpuStarted).user / 1000;
  const distinct = bfs.distinctStates;
  console.log(`model ${entry.name}: ${distinct} distinct states, ${bfs.statesGenerated} generated, depth ${bfs.depth}`);
  // CPU time is printed too: on a shared machine wall time includes waiting for a core.
  console.log(
    `  built-in checker (1 thread): ${bfsMs.toFixed(0)} ms wall (${bfsCpuMs.toFixed(0)} ms CPU), ${perSecond(distinct, bfsMs)} distinct states/s (${perSecond(distinct, bfsCpuMs)} per CPU second)`,
  );
  let livenessMs = 0;
  if (live) {
    const t = performance.now();
    checkLiveness(model, bfs.graph);
    livenessMs = performance.now() - t;
    console.log(`  liveness on the state graph: ${livenessMs.toFixed(0)} ms`);
  }
  // The raw baseline: fingerprint every explored state afresh and insert it into an empty set.
  const copies = bfs.graph.states.map((s) => s.map(fresh));
  const t0 = performance.now();
  const set = new FingerprintSet();
  copies.forEach((state, id) => {
    fingerprintState(state, model.symmetry);
    set.putIfAbsent(stateFingerprint.high, stateFingerprint.low, id);
  });
  const rawMs = performance.now() - t0;
  console.log(
    `  raw baseline (fingerprint + fingerprint-set insert of the same states): ${rawMs.toFixed(0)} ms, ratio ${(bfsMs / rawMs).toFixed(1)}x`,
  );
  return { distinct, ms: bfsMs + livenessMs };
}

/** TLC's wall time on a one-state model: what every run costs before it checks anything. */
async function tlcFixedMs(tlc: TlcBackend): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'cutline-bench-tlc-'));
  try {
    await writeFile(
      join(directory, 'Tiny.tla'),
      "---- MODULE Tiny ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n",
    );
    await writeFile(join(directory, 'Tiny.cfg'), 'INIT Init\nNEXT Next\n');
    const result = await tlc.check({ specPath: join(directory, 'Tiny.tla'), configPath: join(directory, 'Tiny.cfg') });
    if (result.outcome !== 'pass') throw new Error(`TLC did not check a one-state model: ${result.message ?? result.outcome}`);
    return result.durationMs;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function measureTlc(tlc: TlcBackend, entry: ResolvedModel, builtin: Measured): Promise<void> {
  const fixedMs = await tlcFixedMs(tlc);
  const result = await tlc.check(entry, { workers: 1 });
  const checkingMs = Math.max(1, result.durationMs - fixedMs);
  const agree = result.distinctStates === builtin.distinct ? 'same distinct states' : `TLC found ${result.distinctStates} distinct states`;
  console.log(
    `  TLC (-workers 1): ${result.durationMs} ms wall, ${fixedMs} ms of it start-up (a one-state model), ${perSecond(result.distinctStates, checkingMs)} distinct states/s (${agree})`,
  );
  console.log(
    `  ratio built-in/TLC distinct states per second (each with its liveness check when the .cfg has a PROPERTY): ${(perSecond(builtin.distinct, builtin.ms) / perSecond(result.distinctStates, checkingMs)).toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  const models = await loadModels(defaultModelsPath());
  const wanted = process.env['BENCH_MODEL'];
  const largest = [...models].sort((a, b) => (b.counts?.distinctStates ?? 0) - (a.counts?.distinctStates ?? 0))[0];
  const chosen = wanted === 'all' ? models : [wanted === undefined ? largest : models.find((m) => m.name === wanted)];
  const jar = await findTlcJar(process.env);
  const tlc = jar === undefined ? undefined : new TlcBackend({ jarPath: jar });
  if (tlc === undefined) console.log('TLC: no tla2tools.jar (TLA2TOOLS_JAR or `cutline model-check --install-tlc`): no ratio against TLC');
  for (const entry of chosen) {
    if (entry === undefined) throw new Error(`no model ${wanted ?? ''} in spec/models.json`);
    const builtin = await measureBuiltin(entry, tlc !== undefined);
    if (tlc !== undefined) await measureTlc(tlc, entry, builtin);
  }
  console.log('worker threads: not implemented; the checker runs on one thread');
}

await main();
