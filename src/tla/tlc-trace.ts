// Reads one state of a TLC counterexample ("3: <Action line 5, col 1 ... of module M>" and its variables).
import type { TraceState } from './backend.js';

const headerPattern = /^(\d+): (.*)$/;

/**
 * Parses the body of a state message (codes 2216/2217, or the state inside 2107):
 * a header line `N: <action>` and then `/\ var = value` conjuncts whose values may span
 * several lines. A spec with a single variable prints `var = value` without `/\`.
 */
export function parseTlcState(body: string, fallbackIndex: number): TraceState {
  const lines = body.split('\n');
  let index = fallbackIndex;
  let action = 'Initial predicate';
  let first = 0;
  const header = headerPattern.exec(lines[0] ?? '');
  if (header !== null) {
    index = Number(header[1]);
    action = stripAngles(header[2] ?? '');
    first = 1;
  }
  return { index, action, variables: parseConjuncts(lines.slice(first)) };
}

function stripAngles(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1) : trimmed;
}

const conjunctPattern = /^\/\\ ([A-Za-z_][A-Za-z0-9_]*) = (.*)$/;
const singlePattern = /^([A-Za-z_][A-Za-z0-9_]*) = (.*)$/;

function parseConjuncts(lines: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  let current: { name: string; parts: string[] } | undefined;
  const flush = (): void => {
    if (current !== undefined) variables[current.name] = current.parts.join('\n').trimEnd();
    current = undefined;
  };
  for (const line of lines) {
    const conjunct = conjunctPattern.exec(line) ?? (current === undefined ? singlePattern.exec(line) : null);
    if (conjunct !== null) {
      flush();
      current = { name: conjunct[1] ?? '', parts: [conjunct[2] ?? ''] };
    } else if (current !== undefined && line.trim() !== '') {
      // A value TLC wrapped over several lines keeps its lines exactly as TLC indented them.
      current.parts.push(line);
    }
  }
  flush();
  return variables;
}
