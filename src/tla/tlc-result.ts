// Turns TLC's -tool messages into a ModelCheckResult: outcome, counts, violated name and trace.
import type { CheckOutcome, ModelCheckResult, PropertyKind, TraceState } from './backend.js';
import { parseTlcCount, splitTlcMessages, tlcCode, tlcMessageClass, type TlcMessage } from './tlc-messages.js';
import { parseTlcState } from './tlc-trace.js';

export interface TlcRunFacts {
  /** What TLC wrote to stdout and stderr, in order as far as it matters (stdout first). */
  readonly output: string;
  /** The JVM's exit status; null when it was killed by a signal. */
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** The .cfg's PROPERTY entries: whether liveness was checked, and which property failed when TLC does not say. */
  readonly properties: readonly string[];
}

interface Verdict {
  outcome: CheckOutcome;
  violated?: string;
  /** Known from the message for an action property; for a temporal one, from the counterexample's shape. */
  propertyKind?: PropertyKind;
  /** TLC_TEMPORAL_PROPERTY_VIOLATED: a lasso, or a finite behavior that refutes a property such as [](P => []Q). */
  temporal?: boolean;
  message?: string;
}

const statsPattern = /^([\d,]+) states generated, ([\d,]+) distinct states found, ([\d,]+) states left on queue\./m;
const depthPattern = /^The depth of the complete state graph search is ([\d,]+)\./m;
const initialPattern = /^Finished computing initial states: ([\d,]+) distinct states? generated/m;

/** Parses a finished (or killed) TLC run. Unknown messages are ignored; errors are never. */
export function parseTlcRun(facts: TlcRunFacts): ModelCheckResult {
  const { messages, loose } = splitTlcMessages(facts.output);
  const verdict = findVerdict(messages, loose, facts.exitCode);
  // Older TLC releases do not name the temporal property that failed; with a single one listed, it is that one.
  const only = facts.properties.length === 1 ? facts.properties[0] : undefined;
  if (verdict.outcome === 'property-violated' && verdict.violated === undefined && only !== undefined) verdict.violated = only;
  const hasProperties = facts.properties.length > 0;
  const counts = findCounts(messages);
  const trace = findTrace(messages);
  const loopsBackTo = findLoop(messages);
  // TLC reports a temporal property refuted by a finite behavior ([](P => []Q)) and a lasso with one message code;
  // only the lasso loops back or ends stuttering.
  if (verdict.temporal === true) {
    const lasso = loopsBackTo !== undefined || trace.at(-1)?.action === 'Stuttering';
    verdict.propertyKind = lasso ? 'liveness' : 'safety';
  }
  const livenessChecked = hasProperties && messages.some((m) => m.code === tlcCode.checkingTemporalProps);
  const result: ModelCheckResult = {
    backend: 'tlc',
    outcome: verdict.outcome,
    ...(verdict.violated === undefined ? {} : { violated: verdict.violated }),
    ...(verdict.propertyKind === undefined ? {} : { propertyKind: verdict.propertyKind }),
    statesGenerated: counts.generated,
    distinctStates: counts.distinct,
    depth: counts.depth,
    ...(trace.length === 0 ? {} : { trace }),
    ...(loopsBackTo === undefined ? {} : { loopsBackTo }),
    liveness: livenessNote(hasProperties, livenessChecked, verdict.outcome),
    ...(verdict.message === undefined ? {} : { message: verdict.message }),
    durationMs: facts.durationMs,
  };
  return result;
}

function livenessNote(hasProperties: boolean, checked: boolean, outcome: CheckOutcome): ModelCheckResult['liveness'] {
  if (!hasProperties) return { checked: false, note: 'the model lists no PROPERTY' };
  if (checked || outcome === 'property-violated') return { checked: true };
  return { checked: false, note: 'TLC stopped before it checked the temporal properties' };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function findVerdict(messages: readonly TlcMessage[], loose: readonly string[], exitCode: number | null): Verdict {
  for (const message of messages) {
    const named = /^(?:Invariant|Property|Action property) (\S+) is violated/.exec(message.body);
    switch (message.code) {
      case tlcCode.invariantViolatedInitial:
      case tlcCode.invariantViolatedBehavior:
        return { outcome: 'invariant-violated', ...(named?.[1] === undefined ? {} : { violated: named[1] }) };
      case tlcCode.propertyViolatedInitial: {
        // "Property line 8, col 8 to line 8, col 12 of module Q is violated by the initial state:": the name has spaces.
        const initial = /^Property (.+) is violated by the initial state/.exec(message.body)?.[1];
        return { outcome: 'property-violated', propertyKind: 'initial', ...(initial === undefined ? {} : { violated: initial }) };
      }
      case tlcCode.actionPropertyViolatedBehavior:
        return { outcome: 'property-violated', propertyKind: 'action', ...(named?.[1] === undefined ? {} : { violated: named[1] }) };
      case tlcCode.temporalPropertyViolated: {
        // "Temporal property X was violated." names it; "Temporal properties were violated." (a lasso) does not.
        const temporal = /^Temporal property (\S+) was violated/.exec(message.body)?.[1];
        return { outcome: 'property-violated', temporal: true, ...(temporal === undefined ? {} : { violated: temporal }) };
      }
      case tlcCode.deadlockReached:
        return { outcome: 'deadlock' };
      default:
        if (message.messageClass === tlcMessageClass.error || message.messageClass === tlcMessageClass.tlcBug) {
          return { outcome: 'error', message: errorText(messages, message) };
        }
    }
  }
  if (messages.some((m) => m.code === tlcCode.success)) return { outcome: 'pass' };
  const tail = loose.slice(-5).join('\n');
  const status = exitCode === null ? 'was killed' : `exited with status ${exitCode}`;
  return { outcome: 'error', message: `TLC ${status} without a verdict${tail === '' ? '' : `:\n${tail}`}` };
}

/** An error's own text plus the detail TLC prints in the error messages that follow it. */
function errorText(messages: readonly TlcMessage[], error: TlcMessage): string {
  const at = messages.indexOf(error);
  const details = messages
    .slice(at, at + 4)
    .filter((m) => m.messageClass === tlcMessageClass.error || m.messageClass === tlcMessageClass.tlcBug)
    .map((m) => m.body.trim())
    .filter((body) => body !== '');
  return details.join('\n') || `TLC reported error ${error.code}`;
}

function findCounts(messages: readonly TlcMessage[]): { generated: number; distinct: number; depth: number } {
  let generated = 0;
  let distinct = 0;
  let depth = 0;
  for (const message of messages) {
    const stats = message.code === tlcCode.stats ? statsPattern.exec(message.body) : null;
    if (stats !== null) {
      generated = parseTlcCount(stats[1] ?? '') ?? generated;
      distinct = parseTlcCount(stats[2] ?? '') ?? distinct;
    }
    const deep = message.code === tlcCode.searchDepth ? depthPattern.exec(message.body) : null;
    if (deep !== null) depth = parseTlcCount(deep[1] ?? '') ?? depth;
    // An invariant violated by an initial state stops TLC before it prints statistics.
    const initial = distinct === 0 ? initialPattern.exec(message.body) : null;
    if (initial !== null) distinct = parseTlcCount(initial[1] ?? '') ?? 0;
  }
  return { generated, distinct, depth };
}

function findTrace(messages: readonly TlcMessage[]): TraceState[] {
  const states: TraceState[] = [];
  for (const message of messages) {
    if (message.code === tlcCode.statePrint1 || message.code === tlcCode.statePrint2) {
      states.push(parseTlcState(message.body, states.length + 1));
    } else if (message.code === tlcCode.statePrint3) {
      const last = states[states.length - 1];
      if (last !== undefined) states.push({ index: last.index + 1, action: 'Stuttering', variables: last.variables });
    } else if (message.code === tlcCode.invariantViolatedInitial || message.code === tlcCode.propertyViolatedInitial) {
      // The violating initial state is printed inside the message, after its first line.
      const body = message.body.split('\n').slice(1).join('\n');
      states.push(parseTlcState(`1: <Initial predicate>\n${body}`, 1));
    }
  }
  return states;
}

function findLoop(messages: readonly TlcMessage[]): number | undefined {
  const back = messages.find((m) => m.code === tlcCode.backToState);
  const match = back === undefined ? null : /^(\d+): Back to state/.exec(firstLine(back.body));
  return match === null ? undefined : Number(match[1]);
}
