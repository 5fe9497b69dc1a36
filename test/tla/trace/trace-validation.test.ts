// Trace validation: engine runs are behaviours of the spec; mutated engines and edited traces are rejected at the first bad event.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { validateTrace, type TraceVerdict } from '../../../src/tla/trace/trace-validation.js';
import type { TraceEvent } from '../../../src/engine/trace-sink.js';
import { asLines, tracedRun } from './trace-runs.js';

const spec = {
  specPath: join(import.meta.dirname, '../../../spec/CheckpointProtocolTrace.tla'),
  configPath: join(import.meta.dirname, '../../../spec/CheckpointProtocolTrace.cfg'),
};
const steps = 300;
// CI checks three seeds; `CUTLINE_TRACE_SEEDS=20 npm run trace:validate` checks more.
const seeds = Array.from({ length: Number(process.env['CUTLINE_TRACE_SEEDS'] ?? 3) }, (_, index) => index + 1);

function validate(events: readonly TraceEvent[]): Promise<TraceVerdict> {
  return validateTrace(asLines(events), 'memory', spec);
}

function eventAt(events: readonly TraceEvent[], verdict: TraceVerdict): TraceEvent {
  const line = verdict.rejection?.line;
  expect(line, 'the trace is rejected').toBeDefined();
  return events[(line as number) - 1] as TraceEvent;
}

describe('trace validation of deterministic engine runs', () => {
  it.each(seeds)('accepts the trace of seed %i (checkpoints, forced checkpoints and cross-partition commands)', async (seed) => {
    const { events, checkpoints } = tracedRun(seed, steps);
    const verdict = await validate(events);
    expect(verdict.rejection).toBeUndefined();
    expect(verdict).toMatchObject({ accepted: true, eventsValidated: events.length });
    // Not vacuous: the run triggered checkpoints, forced some on receipt, and crossed partitions.
    expect(checkpoints).toBeGreaterThan(2);
    expect(events.some((e) => e.event === 'command-received' && e.checkpointCreatePosition !== null)).toBe(true);
    expect(events.some((e) => e.event === 'command-sent' && e.partitionId !== e.targetPartitionId)).toBe(true);
  });

  it('accepts a run over a network that delays, reorders, duplicates and loses commands (retries and duplicates are explicit steps)', async () => {
    const faults = { delayMsMin: 0, delayMsMax: 20, duplicateProbability: 0.1, lossProbability: 0.05, reorder: true };
    const { events } = tracedRun(5, steps, {}, faults);
    const verdict = await validate(events);
    expect(verdict.rejection).toBeUndefined();
    expect(events.some((e) => e.event === 'command-sent' && e.retry)).toBe(true);
  });

  it('rejects the trace of an engine with piggybacking disabled at its first command sent without its checkpoint', async () => {
    const { events } = tracedRun(1, steps, { piggybacking: false });
    const verdict = await validate(events);
    const bad = eventAt(events, verdict);
    expect(bad).toMatchObject({ event: 'command-sent', command: { checkpointId: 0 } });
    // Every earlier command went out before its sender had a checkpoint, so carrying 0 was right for those.
    expect(verdict.rejection?.details.join('\n')).toMatch(
      /the spec expects the checkpoint in force after spec position \d+ of partition \d: \[cp \|-> [1-9]/,
    );
    expect(verdict.eventsValidated).toBe((verdict.rejection?.line as number) - 1);
  });

  it('rejects the trace of an engine that processes a command before its CHECKPOINT_CREATE at that command', async () => {
    const { events } = tracedRun(1, steps, { processBeforeCheckpoint: true });
    const verdict = await validate(events);
    const bad = eventAt(events, verdict);
    expect(bad).toMatchObject({ event: 'command-received', checkpointCreatePosition: null });
    expect(verdict.rejection?.expected).toMatch(/^Receive\(m\) on partition \d with the command appended alone$/);
    expect(verdict.rejection?.details.join('\n')).toMatch(
      /Receive\(m\) would do: log\[\d\] gets appended \[id \|-> \d+, kind \|-> "\w+", msg \|-> 0, peer \|-> 0, type \|-> "CREATE"\], \[.*type \|-> "RECEIVE"\]/,
    );
  });

  it('rejects a hand-edited trace: a received command with a higher id but no CHECKPOINT_CREATE before it', async () => {
    const { events } = tracedRun(2, steps);
    const index = events.findIndex((e) => e.event === 'command-received' && e.checkpointCreatePosition !== null);
    expect(index).toBeGreaterThan(0);
    const edited = events.slice();
    edited[index] = { ...(events[index] as Extract<TraceEvent, { event: 'command-received' }>), checkpointCreatePosition: null };
    const verdict = await validate(edited);
    expect(verdict.rejection?.line).toBe(index + 1);
  });

  it('rejects a trace whose first event is not trace-start, and one that starts from a non-empty engine', async () => {
    const { events } = tracedRun(1, 40);
    await expect(validate(events.slice(1))).rejects.toMatchObject({
      code: 'TRACE_INVALID',
      message: 'memory:1: a protocol trace starts with a trace-start event',
    });
    const start = { ...(events[0] as Extract<TraceEvent, { event: 'trace-start' }>), lastPositions: [4, 0, 0] };
    const verdict = await validate([start, ...events.slice(1)]);
    expect(verdict.rejection).toMatchObject({ line: 1, expected: 'Init: every log empty' });
  });
});
