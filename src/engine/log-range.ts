// Reading a closed range of a partition's log into memory.
import type { Log, LogRecord } from '../log/log.js';
import { assert } from '../assert.js';

/** The records with positions from..to (inclusive), read before processing so appends cannot disturb the iterator. */
export function readRange(log: Log, from: number, to: number): LogRecord[] {
  const records: LogRecord[] = [];
  for (const record of log.read(from)) {
    if (record.position > to) break;
    records.push(record);
  }
  assert(records.length === to - from + 1, `the log holds positions ${from}..${to}`);
  return records;
}
