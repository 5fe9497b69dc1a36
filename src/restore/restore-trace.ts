// `cutline restore --trace FILE`: the restore's `restored` event, appended to the protocol trace of the engine run whose
// backups it restored, so that `cutline model-check --trace FILE` validates the restore against the spec too.
import * as fs from 'node:fs';
import { CutlineError } from '../errors.js';
import type { TraceEvent } from '../engine/trace-sink.js';
import { traceLineBytesMax } from '../limits.js';
import { parseTraceLine } from '../tla/trace/trace-reader.js';
import type { RestoreResult } from './restore-executor.js';
import type { RestorePlan } from './restore-plan.js';

/** The trace a restore appends to: its path and the partition count its `trace-start` line gives. */
export interface RestoreTraceFile {
  readonly path: string;
  readonly partitionCount: number;
}

/**
 * Checks, before anything is restored, that `path` is a protocol trace a restore can append to: a writable file whose
 * first line is a `trace-start` of the version this cutline writes. TRACE_INVALID names the file and what is wrong.
 */
export function openRestoreTrace(path: string): RestoreTraceFile {
  const hint = 'Pass --trace the file `cutline engine start --trace` wrote for the run whose backups this restores.';
  let first: string;
  try {
    const descriptor = fs.openSync(path, 'r');
    try {
      // One line at most traceLineBytesMax long, and its newline.
      const buffer = Buffer.alloc(traceLineBytesMax + 1);
      const read = fs.readSync(descriptor, buffer, 0, buffer.length, 0);
      first = buffer.subarray(0, read).toString('utf8').split('\n')[0] ?? '';
    } finally {
      fs.closeSync(descriptor);
    }
    fs.accessSync(path, fs.constants.W_OK);
  } catch (cause) {
    throw new CutlineError('TRACE_INVALID', `cannot append to the trace ${path}: ${(cause as Error).message}`, { cause, hint });
  }
  let start: TraceEvent;
  try {
    // The trace reader's own check of a line: JSON, a known event, its fields, the trace version.
    start = parseTraceLine(first, 1, path);
  } catch (error) {
    const detail = (error as Error).message.slice(`${path}:1: `.length);
    throw new CutlineError('TRACE_INVALID', `${path}:1: not a protocol trace: ${detail}`, { cause: error, hint });
  }
  if (start.event !== 'trace-start') {
    throw new CutlineError('TRACE_INVALID', `${path}:1: not a protocol trace: its first event is ${start.event}, not trace-start`, {
      hint,
    });
  }
  return { path, partitionCount: start.partitionCount };
}

/** Refuses, once the restore is planned and before it runs, a plan that does not restore every partition of the trace. */
export function checkPlanAgainstTrace(plan: RestorePlan, trace: RestoreTraceFile): void {
  if (plan.partitionCount === trace.partitionCount && plan.partitions.length === plan.partitionCount) return;
  throw new CutlineError(
    'USAGE',
    `--trace ${trace.path} records ${trace.partitionCount} partition(s); this restore restores ${plan.partitions.length} of ${plan.partitionCount}`,
    {
      hint: 'The spec restores every partition at once: restore them all in one run (--cluster-size 1) to record the restore in the trace.',
    },
  );
}

/** The `restored` event of a restore that ran: its checkpoint id and each partition's cut (FORMAT.md "Protocol trace"). */
export function restoredTraceEvent(checkpointId: number, result: RestoreResult): TraceEvent {
  const cuts = result.partitions.map((partition) => ({ partitionId: partition.partitionId, checkpointPosition: partition.cutPosition }));
  return { event: 'restored', checkpointId, cuts };
}

/** Appends one event as a line, after any line the file holds (a trace cut short by a kill gets its own line). */
export function appendTraceEvent(trace: RestoreTraceFile, event: TraceEvent): void {
  const size = fs.statSync(trace.path).size;
  let separator = '';
  if (size > 0) {
    const last = Buffer.alloc(1);
    const descriptor = fs.openSync(trace.path, 'r');
    try {
      fs.readSync(descriptor, last, 0, 1, size - 1);
    } finally {
      fs.closeSync(descriptor);
    }
    separator = last.toString() === '\n' ? '' : '\n';
  }
  fs.appendFileSync(trace.path, `${separator}${JSON.stringify(event)}\n`);
}
