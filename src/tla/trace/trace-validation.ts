// Validates a protocol trace against the spec: the built-in checker's search, constrained event by event by the trace.
import { CutlineError } from '../../errors.js';
import { traceFrontierStatesMax } from '../../limits.js';
import { ConstrainedSearch, type Frontier } from '../builtin/constrained-search.js';
import type { CfgValue } from '../builtin/cfg.js';
import { loadModel } from '../builtin/model.js';
import type { TraceEvent } from '../../engine/trace-sink.js';
import { ProtocolTraceMapping, TraceMappingError, type MappedEvent } from './trace-mapping.js';
import type { TraceLine } from './trace-reader.js';
import { explainRejection } from './trace-explain.js';

export interface TraceValidationOptions {
  readonly specPath: string;
  readonly configPath: string;
  /**
   * The trace was recorded until the engine settled (every trigger delivered, every record processed and,
   * over a network that loses nothing, every command sent received), so its end is checked too (the spec's
   * TraceSettled). Without it a trace may stop anywhere, as a killed engine's does, and an event dropped
   * at its end leaves a shorter behaviour that cannot be told apart.
   */
  readonly settled?: { readonly lossless: boolean };
}

/** The first event the spec does not allow, with what the spec expected there. */
export interface TraceRejection {
  readonly line: number;
  readonly event: TraceEvent;
  readonly expected: string;
  /** Why, as far as the checker can tell: which spec action is not enabled, or what it would have done. */
  readonly details: readonly string[];
}

export interface TraceVerdict {
  readonly accepted: boolean;
  /** Events matched by the spec (all of them when accepted). */
  readonly eventsValidated: number;
  readonly eventsTotal: number;
  /** The most spec states consistent with a prefix of the trace at once. */
  readonly frontierMax: number;
  readonly durationMs: number;
  readonly rejection?: TraceRejection;
}

function highestCheckpointId(lines: readonly TraceLine[]): number {
  let highest = 1;
  for (const { event } of lines) if ('checkpointId' in event) highest = Math.max(highest, event.checkpointId);
  return highest;
}

function startOf(lines: readonly TraceLine[], source: string): Extract<TraceEvent, { event: 'trace-start' }> {
  const first = lines[0];
  if (first?.event.event !== 'trace-start') {
    throw new CutlineError('TRACE_INVALID', `${source}:${first?.line ?? 1}: a protocol trace starts with a trace-start event`, {
      hint: 'Record the trace with `cutline engine start --trace FILE` (or a Cluster opened with a trace sink).',
    });
  }
  const start = first.event;
  if (start.lastPositions.length !== start.partitionCount) {
    throw new CutlineError(
      'TRACE_INVALID',
      `${source}:${first.line}: trace-start lists ${start.lastPositions.length} last positions for ${start.partitionCount} partitions`,
    );
  }
  return start;
}

/** The model of the trace spec sized to the trace: its partitions and its highest checkpoint id. */
async function searchFor(lines: readonly TraceLine[], partitionCount: number, options: TraceValidationOptions): Promise<ConstrainedSearch> {
  const partitions: CfgValue = {
    kind: 'set',
    items: Array.from({ length: partitionCount }, (_, i) => ({ kind: 'int', value: i + 1 }) as const),
  };
  const constants = new Map<string, CfgValue>([
    ['Partitions', partitions],
    ['MaxCheckpointId', { kind: 'int', value: highestCheckpointId(lines) }],
  ]);
  return new ConstrainedSearch(await loadModel(options.specPath, options.configPath, { constants }));
}

/**
 * Checks that the trace is a behaviour of the spec: starting from the spec's initial states, each
 * event keeps the states its steps reach; the first event that leaves no state is the rejection.
 */
export async function validateTrace(lines: readonly TraceLine[], source: string, options: TraceValidationOptions): Promise<TraceVerdict> {
  const started = performance.now();
  const start = startOf(lines, source);
  const search = await searchFor(lines, start.partitionCount, options);
  const mapping = new ProtocolTraceMapping(start.partitionCount);
  let frontier: Frontier = search.initial();
  let frontierMax = frontier.length;
  const verdict = (validated: number, rejection?: TraceRejection): TraceVerdict => ({
    accepted: rejection === undefined,
    eventsValidated: validated,
    eventsTotal: lines.length,
    frontierMax,
    durationMs: performance.now() - started,
    ...(rejection === undefined ? {} : { rejection }),
  });
  const first = lines[0] as TraceLine;
  if (start.lastPositions.some((position) => position !== 0)) {
    return verdict(0, {
      line: first.line,
      event: start,
      expected: 'Init: every log empty',
      details: [
        `the engine's logs already hold records (last positions ${start.lastPositions.join(', ')}); record traces from an empty data directory`,
      ],
    });
  }
  for (let index = 1; index < lines.length; index++) {
    const { line, event } = lines[index] as TraceLine;
    let mapped: MappedEvent;
    try {
      mapped = mapping.map(event);
    } catch (error) {
      if (!(error instanceof TraceMappingError)) throw error;
      return verdict(index, { line, event, expected: 'an event consistent with the earlier ones', details: [error.message] });
    }
    const next = search.advance(frontier, mapped.alternatives);
    if (next.length === 0)
      return verdict(index, { line, event, expected: mapped.expected, details: explainRejection(search, frontier, mapped) });
    if (next.length > traceFrontierStatesMax) {
      throw new CutlineError(
        'LIMIT_EXCEEDED',
        `${source}:${line}: more than ${traceFrontierStatesMax} spec states match the trace up to here`,
      );
    }
    const violated = search.violation(next);
    if (violated !== undefined) {
      return verdict(index, {
        line,
        event,
        expected: mapped.expected,
        details: [`the state after this event violates the invariant ${violated.invariant}`],
      });
    }
    frontier = next;
    frontierMax = Math.max(frontierMax, frontier.length);
  }
  const last = lines[lines.length - 1] as TraceLine;
  const settled = options.settled;
  const end = { operator: 'TraceSettled', args: [settled?.lossless ?? false] };
  if (settled !== undefined && !frontier.some((state) => search.evaluate(state, end) === true)) {
    return verdict(lines.length - 1, {
      line: last.line,
      event: last.event,
      expected: `the end of a settled run: TraceSettled(${String(settled.lossless).toUpperCase()})`,
      details: [
        `the trace ends with a trigger undelivered or a record unprocessed${settled.lossless ? ' or a command never received' : ''}: an event before this line is missing or wrong`,
      ],
    });
  }
  return verdict(lines.length);
}
