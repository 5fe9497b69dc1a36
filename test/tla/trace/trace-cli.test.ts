// `cutline model-check --trace`: an NDJSON file from the file sink, backup and restore events, malformed lines, exit codes.
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { NdjsonFileTraceSink, type TraceEvent } from '../../../src/engine/trace-sink.js';
import { checkTrace } from '../../../src/tla/trace/trace-check.js';
import { errorCodes } from '../../../src/error-codes.js';
import { tracedRun } from './trace-runs.js';

const scratch = fs.mkdtempSync(join(os.tmpdir(), 'cutline-trace-cli-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function writeTrace(name: string, events: readonly TraceEvent[]): string {
  const sink = new NdjsonFileTraceSink(join(scratch, name));
  for (const event of events) sink.emit(event);
  sink.close();
  return sink.path;
}

async function run(path: string): Promise<{ output: string; error: unknown }> {
  let output = '';
  try {
    await checkTrace({ trace: path, json: false }, (text) => (output += text));
    return { output, error: undefined };
  } catch (error) {
    return { output, error };
  }
}

/** Backups of every partition for the last backup checkpoint all partitions created, then a restore to it. */
function backupAndRestore(events: readonly TraceEvent[], lastPositionOf: (p: number, cut: number, last: number) => number): TraceEvent[] {
  const created = new Map<number, Map<number, number>>();
  const last = new Map<number, number>();
  const backupIds = new Set<number>();
  for (const e of events) {
    if (e.event === 'checkpoint-triggered' && e.checkpointType !== 'MARKER') backupIds.add(e.checkpointId);
    if ('partitionId' in e && 'position' in e) last.set(e.partitionId, Math.max(last.get(e.partitionId) ?? 0, e.position));
    if (e.event === 'record-processed' && e.recordType === 'CHECKPOINT_CREATE' && e.checkpointPosition === e.position) {
      const byPartition = created.get(e.checkpointId) ?? new Map<number, number>();
      byPartition.set(e.partitionId, e.position);
      created.set(e.checkpointId, byPartition);
    }
  }
  const id = Math.max(...[...created].filter(([c, parts]) => backupIds.has(c) && parts.size === 3).map(([c]) => c));
  const cuts = [...(created.get(id) as Map<number, number>)].map(([partitionId, checkpointPosition]) => ({
    partitionId,
    checkpointPosition,
  }));
  return [
    ...events,
    ...cuts.map(({ partitionId, checkpointPosition }): TraceEvent => ({
      event: 'backup-taken',
      partitionId,
      checkpointId: id,
      checkpointPosition,
      lastPosition: lastPositionOf(partitionId, checkpointPosition, last.get(partitionId) as number),
    })),
    { event: 'restored', checkpointId: id, cuts },
  ];
}

describe('cutline model-check --trace', () => {
  const { events } = tracedRun(4, 250);

  it('accepts a file written by the NDJSON sink, with backups holding records after the checkpoint and a restore', async () => {
    const path = writeTrace(
      'good.ndjson',
      backupAndRestore(events, (_p, cut, last) => Math.max(cut, last - 1)),
    );
    const { output, error } = await run(path);
    expect(error).toBeUndefined();
    expect(output).toMatch(
      new RegExp(`^trace ${path} is a behaviour of the spec: ${events.length + 4} of ${events.length + 4} events validated`),
    );
  });

  it('rejects a backup that stops before its checkpoint record, with exit code 1 and the line', async () => {
    const edited = backupAndRestore(events, (_p, cut) => cut - 1);
    const path = writeTrace('short-backup.ndjson', edited);
    const { output, error } = await run(path);
    expect(error).toMatchObject({
      code: 'TRACE_REJECTED',
      message: expect.stringMatching(
        new RegExp(`^${path}:${events.length + 1}: the spec does not allow this backup-taken event`),
      ) as unknown,
    });
    expect(errorCodes.TRACE_REJECTED.exitCode).toBe(1);
    expect(output).toContain(`the spec does not allow the event at line ${events.length + 1}`);
    expect(output).toMatch(/expected: TakeBackup\(\d\) of checkpoint \d+/);
  });

  it('names the line of a malformed event', async () => {
    const path = join(scratch, 'malformed.ndjson');
    const lines = events.slice(0, 3).map((e) => JSON.stringify(e));
    lines.push('{"event":"command-sent","partitionId":1}');
    fs.writeFileSync(path, `${lines.join('\n')}\n`);
    const { error } = await run(path);
    expect(error).toMatchObject({
      code: 'TRACE_INVALID',
      message: `${path}:4: command-sent: field targetPartitionId must be an integer >= 1, got nothing`,
    });
  });
});
