// What restore's single pass needs of a record, read without parsing every payload in full:
// the type, the payload's outline as a UTF-8 JSON object, an inter-partition command's `source` and instance key.
import { isUtf8 } from 'node:buffer';
import type { LogRecord } from '../log/log.js';
import {
  checkpointTypes,
  commandSourceOf,
  decodeRecord,
  isInterPartitionType,
  malformedPayload,
  recordTypeNameOf,
  type CommandSource,
} from './records.js';

const openBrace = 0x7b;
const closeBrace = 0x7d;
const comma = 0x2c;
const canonicalStart = Buffer.from('"source":{"partitionId":');
const closingBraces = Buffer.from('}}');
const checkpointTypeTails = checkpointTypes.map((type) => [type, Buffer.from(`,"checkpointType":"${type}"`)] as const);
const tailParts = [',"checkpointId":', ',"position":'].map((part) => Buffer.from(part));
const instanceKeyHead = Buffer.from('{"instanceKey":"');
const instanceKeyName = Buffer.from('"instanceKey"');
const quote = 0x22;
const backslash = 0x5c;
/** The most digits read as a plain integer: 15 digits are always below 2^53. */
const integerDigitsMax = 15;

/**
 * Checks what restore must know of a record and returns an inter-partition command's `source` (undefined
 * for other records). Throws RECORD_MALFORMED when the type is unknown, the payload is not UTF-8, or it is
 * not delimited as a JSON object (`{` ... `}`).
 *
 * Only a command whose source is not written the way the engine writes it (FORMAT.md, "Records") is
 * parsed in full; so a record that passes may still fail decodeRecord. For every payload that is valid
 * JSON the source returned is exactly JSON.parse's `source`; verify-backup --level full and the engine's
 * replay parse every record.
 */
export function peekRecord(record: LogRecord): CommandSource | undefined {
  const name = recordTypeNameOf(record);
  const { payload, position } = record;
  if (!isUtf8(payload)) throw malformedPayload(position, name, 'is not UTF-8 JSON');
  if (!objectOutline(payload)) throw malformedPayload(position, name, 'is not a JSON object');
  if (!isInterPartitionType(record.recordType)) return undefined;
  // The engine writes the source last (Partition.send): read from the end, without a pass over the rest;
  // a payload written otherwise is parsed in full.
  return tailSource(payload) ?? commandSourceOf(decodeRecord(record));
}

/**
 * A command's `instanceKey` exactly as JSON.parse reads it, or undefined when it has none that is a
 * string. The engine writes it as the first member: a payload that starts with `{"instanceKey":"`, holds
 * no backslash (so no escaped spelling of any name) and names the key only once has that member alone;
 * any other payload is parsed in full (RECORD_MALFORMED when it is not JSON, as decodeRecord says).
 */
export function peekInstanceKey(record: LogRecord): string | undefined {
  const payload = Buffer.from(record.payload.buffer, record.payload.byteOffset, record.payload.byteLength);
  if (
    payload.subarray(0, instanceKeyHead.length).equals(instanceKeyHead) &&
    !payload.includes(backslash) &&
    payload.indexOf(instanceKeyName, instanceKeyHead.length) === -1
  ) {
    const end = payload.indexOf(quote, instanceKeyHead.length);
    if (end !== -1) return payload.toString('utf8', instanceKeyHead.length, end);
  }
  const value = decodeRecord(record).value as { instanceKey?: unknown };
  return typeof value.instanceKey === 'string' ? value.instanceKey : undefined;
}

/** Whether the payload, without the whitespace JSON allows around a value, starts with `{` and ends with `}`. */
function objectOutline(payload: Uint8Array): boolean {
  let first = 0;
  let last = payload.length - 1;
  while (first < last && isJsonWhitespace(payload[first])) first += 1;
  while (last > first && isJsonWhitespace(payload[last])) last -= 1;
  return last > first && payload[first] === openBrace && payload[last] === closeBrace;
}

function isJsonWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * The source when the payload ends with it as the last member of the outermost object, spelled as
 * JSON.stringify spells it: `...,"source":{"partitionId":I,"position":I,"checkpointId":I,"checkpointType":"T"}}`.
 * In valid JSON the last byte closes the outermost object and the one before it the envelope, whose
 * bytes hold no brace and no backslash: so this is that object's last "source", the one JSON.parse keeps.
 */
function tailSource(payload: Uint8Array): CommandSource | undefined {
  const reader = new TailReader(payload, payload.length);
  if (!reader.literalBefore(closingBraces)) return undefined;
  const checkpointType = checkpointTypeTails.find(([, bytes]) => reader.literalBefore(bytes))?.[0];
  const checkpointId = checkpointType === undefined ? undefined : reader.integerBefore();
  const sourcePosition = checkpointId !== undefined && reader.literalBefore(tailParts[0]) ? reader.integerBefore() : undefined;
  const partitionId = sourcePosition !== undefined && reader.literalBefore(tailParts[1]) ? reader.integerBefore() : undefined;
  if (checkpointType === undefined || checkpointId === undefined || sourcePosition === undefined || partitionId === undefined)
    return undefined;
  if (!reader.literalBefore(canonicalStart)) return undefined;
  const before = payload[reader.end - 1];
  return before === comma || before === openBrace ? { partitionId, position: sourcePosition, checkpointId, checkpointType } : undefined;
}

/** Reads literals and integers backwards, from the end of a buffer towards its start. */
class TailReader {
  constructor(
    private readonly bytes: Uint8Array,
    /** The offset after the bytes not yet read. */
    public end: number,
  ) {}

  literalBefore(expected: Uint8Array | undefined): boolean {
    if (expected === undefined || expected.length > this.end) return false;
    const start = this.end - expected.length;
    for (let index = 0; index < expected.length; index++) if (this.bytes[start + index] !== expected[index]) return false;
    this.end = start;
    return true;
  }

  integerBefore(): number | undefined {
    let start = this.end;
    for (let byte = this.bytes[start - 1]; byte !== undefined && byte >= 0x30 && byte <= 0x39; byte = this.bytes[--start - 1]);
    const digits = this.end - start;
    if (digits === 0 || digits > integerDigitsMax || (digits > 1 && this.bytes[start] === 0x30)) return undefined;
    let value = 0;
    for (let index = start; index < this.end; index++) value = value * 10 + ((this.bytes[index] ?? 0) - 0x30);
    this.end = start;
    return value;
  }
}
