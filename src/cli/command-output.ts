// What a command that logs prints: text lines, or JSON lines `{"time", "level", "event", ...fields, "message"}`, filtered by the log level.
import { logLevels, type LogLevel } from './log-level.js';

/** An event's name and details; unlike the engine's LogFields, a detail may be an array or an object. */
export interface OutputFields {
  readonly event: string;
  readonly level?: LogLevel;
  readonly [field: string]: unknown;
}

/** Prints one line of text (it may span lines), with the event it reports for --json. */
export type CommandOutput = (line: string, fields?: OutputFields) => void;

export interface CommandOutputOptions {
  readonly json: boolean;
  readonly level: LogLevel;
  /** The level of each event that is not info. */
  readonly eventLevels?: Readonly<Record<string, LogLevel>>;
  /** The events that report the command's outcome: printed at every level, --quiet included. */
  readonly results?: ReadonlySet<string>;
  readonly write?: (text: string) => void;
}

/** The level of a line: its own `level` field, else its event's, else info. */
function levelOf(fields: OutputFields | undefined, eventLevels: Readonly<Record<string, LogLevel>>): LogLevel {
  return fields?.level ?? eventLevels[fields?.event ?? ''] ?? 'info';
}

export function commandOutput(options: CommandOutputOptions): CommandOutput {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const eventLevels = options.eventLevels ?? {};
  return (line, fields) => {
    const level = levelOf(fields, eventLevels);
    const result = options.results?.has(fields?.event ?? '') === true;
    if (!result && logLevels.indexOf(level) > logLevels.indexOf(options.level)) return;
    if (!options.json) return write(`${line}\n`);
    // Blank lines that separate text paragraphs mean nothing in a JSON line.
    const message = line.replace(/^\n+|\n+$/g, '');
    write(`${JSON.stringify({ time: new Date().toISOString(), level, ...(fields ?? { event: 'log' }), message })}\n`);
  };
}
