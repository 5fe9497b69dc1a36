// Benchmark: protocol trace events validated per second against the spec, against just reading and parsing the same NDJSON.
// Env: BENCH_TRACE_SEEDS (default 3) traces of BENCH_TRACE_STEPS scheduler steps each (default 400); BENCH_ROUNDS (default 3).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NdjsonFileTraceSink } from '../src/engine/trace-sink.js';
import { readTraceFile, type TraceLine } from '../src/tla/trace/trace-reader.js';
import { validateTrace } from '../src/tla/trace/trace-validation.js';
import { traceSpecPaths } from '../src/tla/trace/trace-check.js';
import { tracedRun } from '../test/tla/trace/trace-runs.js';

const seeds = Number(process.env['BENCH_TRACE_SEEDS'] ?? 3);
const steps = Number(process.env['BENCH_TRACE_STEPS'] ?? 400);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const scratch = fs.mkdtempSync(join(os.tmpdir(), 'cutline-bench-trace-'));
const spec = traceSpecPaths({});

const files: string[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const sink = new NdjsonFileTraceSink(join(scratch, `seed-${seed}.ndjson`));
  for (const event of tracedRun(seed, steps).events) sink.emit(event);
  sink.close();
  files.push(sink.path);
}

async function read(path: string): Promise<TraceLine[]> {
  const lines: TraceLine[] = [];
  for await (const line of readTraceFile(path)) lines.push(line);
  return lines;
}

// Load the checker once (its WASM parser's first start is not part of a trace's cost).
await validateTrace(await read(files[0] as string), 'warm-up', spec);

let events = 0;
let parseMs = 0;
let validateMs = 0;
for (let round = 0; round < rounds; round++) {
  for (const path of files) {
    // Interleaved per file, so load on the shared machine hits both measurements alike.
    let started = performance.now();
    const lines = await read(path);
    parseMs += performance.now() - started;
    started = performance.now();
    const verdict = await validateTrace(await read(path), path, spec);
    validateMs += performance.now() - started;
    if (!verdict.accepted) throw new Error(`${path} was rejected at line ${verdict.rejection?.line}`);
    events += lines.length;
  }
}
fs.rmSync(scratch, { recursive: true, force: true });
const rate = (ms: number) => Math.round(events / (ms / 1000));
console.log(`traces: ${seeds} seeds x ${steps} steps, ${events / rounds} events per round, ${rounds} rounds`);
console.log(`read + parse NDJSON:        ${rate(parseMs)} events/s`);
console.log(`read + parse + validate:    ${rate(validateMs)} events/s`);
console.log(`ratio validate/parse: ${(validateMs / parseMs).toFixed(1)}x the time of parsing`);
