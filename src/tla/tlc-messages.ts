// Splits TLC's `-tool` output into its framed messages (@!@!@STARTMSG code:class @!@!@ ... ENDMSG).

/** TLC's message codes (tlc2/output/EC.java) that cutline reads. */
export const tlcCode = {
  invariantViolatedInitial: 2107,
  propertyViolatedInitial: 2108,
  invariantViolatedBehavior: 2110,
  invariantEvaluationFailed: 2111,
  actionPropertyViolatedBehavior: 2112,
  deadlockReached: 2114,
  temporalPropertyViolated: 2116,
  noStatesSatisfyingInit: 2118,
  behaviorUpToThisPoint: 2121,
  backToState: 2122,
  checkingTemporalProps: 2192,
  success: 2193,
  searchDepth: 2194,
  stats: 2199,
  statePrint1: 2216,
  statePrint2: 2217,
  statePrint3: 2218,
  counterExample: 2264,
  version: 2262,
} as const;

/** TLC's message classes (tlc2/output/MP.java). */
export const tlcMessageClass = { none: 0, error: 1, tlcBug: 2, warning: 3, state: 4 } as const;

export interface TlcMessage {
  readonly code: number;
  readonly messageClass: number;
  /** The message body without the framing lines, trailing blank lines removed. */
  readonly body: string;
}

const startPattern = /^@!@!@STARTMSG (-?\d+):(\d+) @!@!@$/;
const endPattern = /^@!@!@ENDMSG (-?\d+) @!@!@$/;

/**
 * Parses the framed messages in TLC's -tool output. Text outside any frame (a JVM warning,
 * a Print from the spec) is returned as `loose` lines so nothing TLC said is lost.
 * A message left open at the end (TLC was killed) is returned with what it had.
 */
export function splitTlcMessages(output: string): { messages: TlcMessage[]; loose: string[] } {
  const messages: TlcMessage[] = [];
  const loose: string[] = [];
  let open: { code: number; messageClass: number; lines: string[] } | undefined;
  const close = (): void => {
    if (open === undefined) return;
    while (open.lines.length > 0 && open.lines[open.lines.length - 1]?.trim() === '') open.lines.pop();
    messages.push({ code: open.code, messageClass: open.messageClass, body: open.lines.join('\n') });
    open = undefined;
  };
  for (const rawLine of output.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const start = startPattern.exec(line);
    if (start !== null) {
      close();
      open = { code: Number(start[1]), messageClass: Number(start[2]), lines: [] };
      continue;
    }
    if (endPattern.test(line)) {
      close();
      continue;
    }
    if (open !== undefined) open.lines.push(line);
    else if (line.trim() !== '') loose.push(line);
  }
  close();
  return { messages, loose };
}

/** TLC prints counts with thousands separators in newer releases ("1,234"). */
export function parseTlcCount(text: string): number | undefined {
  const digits = text.replaceAll(',', '');
  if (!/^\d+$/.test(digits)) return undefined;
  return Number(digits);
}
