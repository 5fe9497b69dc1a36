// Prints a trace validation verdict for people (the rejected event, its line, what the spec expected) and as JSON.
import type { TraceVerdict } from './trace-validation.js';

function rate(verdict: TraceVerdict): string {
  const seconds = verdict.durationMs / 1000;
  return seconds > 0 ? `${Math.round(verdict.eventsValidated / seconds)} events/s` : 'instant';
}

export function formatTraceVerdict(verdict: TraceVerdict, source: string): string {
  const summary = `${verdict.eventsValidated} of ${verdict.eventsTotal} events validated in ${(verdict.durationMs / 1000).toFixed(2)} s (${rate(verdict)}; at most ${verdict.frontierMax} matching spec state(s) at once)`;
  const rejection = verdict.rejection;
  if (rejection === undefined) return `trace ${source} is a behaviour of the spec: ${summary}\n`;
  const lines = [
    `trace ${source} is NOT a behaviour of the spec: the spec does not allow the event at line ${rejection.line}`,
    `  event:    ${JSON.stringify(rejection.event)}`,
    `  expected: ${rejection.expected}`,
    ...rejection.details.map((detail) => `  why:      ${detail}`),
    `  ${summary}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function traceVerdictJson(verdict: TraceVerdict, source: string): string {
  return `${JSON.stringify({ trace: source, ...verdict })}\n`;
}
