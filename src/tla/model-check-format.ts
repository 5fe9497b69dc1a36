// Prints model-check verdicts for people (TLC-like traces) and as JSON for machines.
import type { ModelCheckResult, TraceState } from './backend.js';
import type { ModelCheckReport, ModelVerdict } from './model-check-run.js';

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function seconds(durationMs: number): string {
  return `${(durationMs / 1000).toFixed(1)} s`;
}

export function formatTrace(trace: readonly TraceState[], loopsBackTo?: number): string[] {
  const lines: string[] = [];
  for (const state of trace) {
    lines.push(`    State ${state.index}: <${state.action}>`);
    for (const [name, value] of Object.entries(state.variables)) {
      const [first, ...rest] = value.split('\n');
      lines.push(`      /\\ ${name} = ${first ?? ''}`);
      for (const line of rest) lines.push(`         ${line}`);
    }
  }
  if (loopsBackTo !== undefined) lines.push(`    Back to state ${loopsBackTo}.`);
  return lines;
}

function summary(result: ModelCheckResult): string {
  const liveness = result.liveness.checked ? 'liveness checked' : `liveness not checked: ${result.liveness.note ?? 'no reason given'}`;
  return `${count(result.distinctStates)} distinct states, ${count(result.statesGenerated)} generated, depth ${result.depth}, ${seconds(result.durationMs)}; ${liveness}`;
}

/** One verdict: a status line, the counts, and for a violation the counterexample. */
export function formatVerdict(verdict: ModelVerdict, withTrace = true): string {
  const status = verdict.matches ? 'ok  ' : 'FAIL';
  const lines = [`${status} ${verdict.model}: ${verdict.actual} (expected ${verdict.expected}) [${verdict.result.backend}]`];
  lines.push(`    ${summary(verdict.result)}`);
  if (verdict.countMismatch !== undefined) lines.push(`    counts differ: ${verdict.countMismatch}`);
  if (verdict.result.message !== undefined) lines.push(...verdict.result.message.split('\n').map((line) => `    ${line}`));
  const trace = verdict.result.trace;
  if (withTrace && trace !== undefined && trace.length > 0) {
    lines.push(`    counterexample (${trace.length} states):`);
    lines.push(...formatTrace(trace, verdict.result.loopsBackTo));
  }
  return `${lines.join('\n')}\n`;
}

export function formatClosing(report: ModelCheckReport): string {
  const failed = report.verdicts.filter((v) => !v.matches).map((v) => v.model);
  return failed.length === 0
    ? `${report.verdicts.length} model(s) checked with ${report.backend}: all outcomes as expected\n`
    : `${failed.length} of ${report.verdicts.length} model(s) did not check as expected: ${failed.join(', ')}\n`;
}

export function reportJson(report: ModelCheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
