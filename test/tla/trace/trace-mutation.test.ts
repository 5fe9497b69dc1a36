// Every mutation of a real engine trace that no run of the protocol can produce is rejected at or after the mutated line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { validateTrace, type TraceVerdict } from '../../../src/tla/trace/trace-validation.js';
import { NdjsonFileTraceSink, type TraceEvent } from '../../../src/engine/trace-sink.js';
import { checkTrace } from '../../../src/tla/trace/trace-check.js';
import { asLines, tracedRun } from './trace-runs.js';
import { tracedBackupRun } from './trace-backup-runs.js';
import { traceMutations, type MutationKind } from './trace-mutations.js';

const specDirectory = join(import.meta.dirname, '../../../spec');
const spec = {
  specPath: join(specDirectory, 'CheckpointProtocolTrace.tla'),
  configPath: join(specDirectory, 'CheckpointProtocolTrace.cfg'),
  settled: { lossless: true },
};
// Delays and reorders, but no loss and no duplicates: then a settled run has received every command it sent.
const lossless = { delayMsMin: 0, delayMsMax: 20, duplicateProbability: 0, lossProbability: 0, reorder: true };
const scratch = fs.mkdtempSync(join(os.tmpdir(), 'cutline-trace-mutation-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function validate(events: readonly TraceEvent[]): Promise<TraceVerdict> {
  return validateTrace(asLines(events), 'memory', spec);
}

const traces = new Map<string, readonly TraceEvent[]>();
beforeAll(async () => {
  traces.set('seed 1', tracedRun(1, 150, {}, lossless).events);
  traces.set('seed 2', tracedRun(2, 150, {}, lossless).events);
  traces.set('backups', (await tracedBackupRun(1)).events);
}, 60_000);

function trace(name: string): readonly TraceEvent[] {
  const events = traces.get(name);
  if (events === undefined) throw new Error(`no trace ${name}`);
  return events;
}

describe('mutations of real engine traces', () => {
  it('starts from traces the spec accepts, with forced checkpoints, backups, a restore and a point-in-time restore', async () => {
    for (const events of traces.values()) expect((await validate(events)).rejection).toBeUndefined();
    const all = [...traces.values()].flat();
    expect(all.some((e) => e.event === 'command-received' && e.checkpointCreatePosition !== null)).toBe(true);
    const backups = trace('backups');
    expect(backups.filter((e) => e.event === 'backup-taken')).toHaveLength(6);
    // The restore by backup id of backup 2, then the point-in-time restore to MARKER 3.
    expect(backups.filter((e) => e.event === 'restored').map((e) => e.checkpointId)).toEqual([2, 3]);
  });

  it('rejects a trace with a command-sent dropped, through the CLI with TRACE_REJECTED and the line', async () => {
    const events = trace('seed 1');
    const index = events.findIndex((e) => e.event === 'command-sent' && !e.retry);
    const path = join(scratch, 'dropped-send.ndjson');
    const sink = new NdjsonFileTraceSink(path);
    events.filter((_, at) => at !== index).forEach((event) => sink.emit(event));
    sink.close();
    const error = await checkTrace({ trace: path, json: false }, () => {}).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TRACE_REJECTED',
      message: expect.stringMatching(/dropped-send\.ndjson:\d+: the spec does not allow this command-received event/) as unknown,
    });
  });

  it('rejects a wrong checkpointId on record-processed and two swapped record-processed events without a TLA_EVAL', async () => {
    const events = trace('seed 1');
    const index = events.findIndex((e) => e.event === 'record-processed' && e.recordType !== 'CHECKPOINT_CREATE' && e.checkpointId > 0);
    const wrongId = events.map((e, at) => (at === index ? ({ ...e, checkpointId: 99 } as TraceEvent) : e));
    const verdict = await validate(wrongId);
    expect(verdict.rejection?.line).toBe(index + 1);
    expect(verdict.rejection?.details.join('\n')).toMatch(/processing of partition \d's next record would do: processed\[\d\] becomes/);
    const first = events.findIndex((e) => e.event === 'record-processed');
    const partitionId = (events[first] as Extract<TraceEvent, { event: 'record-processed' }>).partitionId;
    const second = events.findIndex((e, at) => at > first && e.event === 'record-processed' && e.partitionId === partitionId);
    const swapped = events.map((e, at) =>
      at === first ? (events[second] as TraceEvent) : at === second ? (events[first] as TraceEvent) : e,
    );
    expect((await validate(swapped)).rejection?.line).toBe(first + 1);
  });

  it('checks TraceConsistentCut: with piggybacking off in both engine and spec, the orphan command is what rejects the trace', async () => {
    const config = join(scratch, 'NoPiggyback.cfg');
    fs.writeFileSync(config, fs.readFileSync(spec.configPath, 'utf8').replace('Piggyback = TRUE', 'Piggyback = FALSE'));
    const { events } = tracedRun(1, 300, { piggybacking: false });
    const verdict = await validateTrace(asLines(events), 'memory', { specPath: spec.specPath, configPath: config });
    expect(verdict.rejection?.details).toEqual(['the state after this event violates the invariant TraceConsistentCut']);
  });

  const kinds: readonly MutationKind[] = ['drop', 'duplicate', 'reorder', 'id', 'type', 'position'];
  for (const name of ['seed 1', 'seed 2', 'backups']) {
    it(`rejects every sampled mutation of the trace of ${name} (drop, duplicate, reorder, id, type, position)`, async () => {
      const mutations = traceMutations(trace(name));
      for (const kind of kinds)
        expect(
          mutations.some((m) => m.kind === kind),
          kind,
        ).toBe(true);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: mutations.length - 1 }), async (at) => {
          const mutation = mutations[at];
          if (mutation === undefined) throw new Error(`no mutation ${at}`);
          const verdict = await validate(mutation.apply());
          expect(verdict.accepted, mutation.description).toBe(false);
          expect(verdict.rejection?.line, mutation.description).toBeGreaterThanOrEqual(mutation.line);
        }),
        { numRuns: name === 'backups' ? 30 : 40 },
      );
    }, 120_000);
  }
});
