// Reads a protocol trace (NDJSON, FORMAT.md "Protocol trace"): each line parsed and checked field by field, with its line number.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CutlineError } from '../../errors.js';
import { traceLineBytesMax } from '../../limits.js';
import { checkpointTypes } from '../../engine/records.js';
import { protocolTraceVersion, type TraceEvent, type TraceEventName } from '../../engine/trace-sink.js';

/** An event with the line of the file it came from (1-based). */
export interface TraceLine {
  readonly line: number;
  readonly event: TraceEvent;
}

type FieldKind = 'count' | 'position' | 'checkpointType' | 'string' | 'boolean' | 'positionOrNull' | 'counts' | 'command' | 'cuts';

/** Every event's fields and their kinds: the reader accepts exactly these (FORMAT.md lists them). */
const eventFields: Record<TraceEventName, Record<string, FieldKind>> = {
  'trace-start': { version: 'count', partitionCount: 'position', lastPositions: 'counts' },
  'checkpoint-triggered': { checkpointId: 'position', checkpointType: 'checkpointType' },
  'checkpoint-create-appended': {
    partitionId: 'position',
    position: 'position',
    checkpointId: 'position',
    checkpointType: 'checkpointType',
    forced: 'boolean',
  },
  'command-appended': { partitionId: 'position', position: 'position', recordType: 'string' },
  'record-processed': {
    partitionId: 'position',
    position: 'position',
    recordType: 'string',
    checkpointId: 'count',
    checkpointPosition: 'count',
  },
  'command-sent': { partitionId: 'position', targetPartitionId: 'position', retry: 'boolean', command: 'command' },
  'command-received': { partitionId: 'position', command: 'command', checkpointCreatePosition: 'positionOrNull', position: 'position' },
  'backup-taken': { partitionId: 'position', checkpointId: 'position', checkpointPosition: 'position', lastPosition: 'position' },
  restored: { checkpointId: 'position', cuts: 'cuts' },
};

const commandFields: Record<string, FieldKind> = {
  recordType: 'string',
  instanceKey: 'string',
  sourcePartitionId: 'position',
  sourcePosition: 'position',
  checkpointId: 'count',
  checkpointType: 'checkpointType',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Why `value` is not of `kind`, or undefined when it is. */
function fieldProblem(kind: FieldKind, value: unknown): string | undefined {
  switch (kind) {
    case 'count':
      return isCount(value) ? undefined : 'an integer >= 0';
    case 'position':
      return isCount(value) && (value as number) >= 1 ? undefined : 'an integer >= 1';
    case 'positionOrNull':
      return value === null || (isCount(value) && (value as number) >= 1) ? undefined : 'an integer >= 1 or null';
    case 'checkpointType':
      return checkpointTypes.includes(value as never) ? undefined : `one of ${checkpointTypes.join(', ')}`;
    case 'string':
      return typeof value === 'string' && value.length > 0 ? undefined : 'a non-empty string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'counts':
      return Array.isArray(value) && value.every(isCount) ? undefined : 'an array of integers >= 0';
    case 'command':
      return isObject(value) ? objectProblem(value, commandFields, 'command.') : 'an object';
    case 'cuts':
      return Array.isArray(value) &&
        value.length > 0 &&
        value.every(
          (cut) => isObject(cut) && objectProblem(cut, { partitionId: 'position', checkpointPosition: 'position' }, '') === undefined,
        )
        ? undefined
        : 'a non-empty array of {partitionId, checkpointPosition}';
  }
}

function objectProblem(value: Record<string, unknown>, fields: Record<string, FieldKind>, prefix: string): string | undefined {
  for (const [name, kind] of Object.entries(fields)) {
    const problem = fieldProblem(kind, value[name]);
    if (problem !== undefined) return `field ${prefix}${name} must be ${problem}, got ${JSON.stringify(value[name]) ?? 'nothing'}`;
  }
  return undefined;
}

/** Parses one line into an event; `source` names the file in errors. */
export function parseTraceLine(text: string, line: number, source: string): TraceEvent {
  const fail = (message: string) =>
    new CutlineError('TRACE_INVALID', `${source}:${line}: ${message}`, {
      hint: 'Each line of a protocol trace is one JSON event; FORMAT.md "Protocol trace" lists the events and their fields.',
    });
  if (text.length > traceLineBytesMax) throw fail(`the line is longer than ${traceLineBytesMax} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw fail(`not JSON (${(cause as Error).message})`);
  }
  if (!isObject(value)) throw fail('not a JSON object');
  const name = value['event'];
  if (typeof name !== 'string' || !(name in eventFields))
    throw fail(`unknown event ${JSON.stringify(name) ?? 'nothing'}; the events are ${Object.keys(eventFields).join(', ')}`);
  const problem = objectProblem(value, eventFields[name as TraceEventName], '');
  if (problem !== undefined) throw fail(`${name}: ${problem}`);
  if (name === 'trace-start' && value['version'] !== protocolTraceVersion) {
    throw fail(`trace version ${String(value['version'])} is not supported (this cutline reads version ${protocolTraceVersion})`);
  }
  return value as unknown as TraceEvent;
}

/** The events of a trace file, one per non-empty line, in order. */
export async function* readTraceFile(path: string): AsyncGenerator<TraceLine> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  try {
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  } catch (cause) {
    throw new CutlineError('USAGE', `cannot read the trace ${path}: ${(cause as Error).message}`, {
      cause,
      hint: 'Pass --trace the NDJSON file `cutline engine start --trace` wrote.',
    });
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    yield { line, event: parseTraceLine(text, line, path) };
  }
}
