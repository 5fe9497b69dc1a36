// A log line an operator reads, with the fields a program reads (`engine start --json` prints them as one JSON object).

/** What happened, and its details: `event` names it (backup-completed, retention-deleted, ...). */
export interface LogFields {
  readonly event: string;
  readonly [field: string]: string | number | boolean | null;
}

/** Where services write their log: the text line always, the fields when the line reports an event. */
export type EventLog = (line: string, fields?: LogFields) => void;
