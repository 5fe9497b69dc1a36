// What restore's single pass needs of a record, read without parsing every payload in full:
// the type, the payload's outline as a UTF-8 JSON object, and an inter-partition command's `source`.
import { isUtf8 } from 'node:buffer';
import type { LogRecord } from '../log/log.js';
import { CutlineError } from '../errors.js';
import { checkpointTypes, commandSourceOf, decodeRecord, isInterPartitionType, recordTypeNameOf, type CommandSource } from './records.js';

const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const quote = 0x22;
const comma = 0x2c;
const backslash = 0x5c;
const sourceKey = Buffer.from('"source":');
const canonicalStart = Buffer.from('"source":{"partitionId":');
const canonicalParts = [',"position":', ',"checkpointId":', ',"checkpointType":"'].map((part) => Buffer.from(part));
const checkpointTypeBytes = checkpointTypes.map((type) => [type, Buffer.from(`${type}"}`)] as const);
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
  if (!isUtf8Payload(payload)) throw malformed(position, name, 'is not UTF-8 JSON');
  if (!objectOutline(payload)) throw malformed(position, name, 'is not a JSON object');
  if (!isInterPartitionType(record.recordType)) return undefined;
  return canonicalSource(bytesOf(payload)) ?? commandSourceOf(decodeRecord(record));
}

/** Below this many bytes, a JS loop finding only ASCII is cheaper than a call into the native isUtf8. */
const asciiLoopBytesMax = 512;

function isUtf8Payload(payload: Uint8Array): boolean {
  if (payload.length > asciiLoopBytesMax) return isUtf8(payload);
  let bits = 0;
  for (let index = 0; index < payload.length; index++) bits |= payload[index] ?? 0;
  return bits < 0x80 || isUtf8(payload);
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

function malformed(position: number, name: string, what: string): CutlineError {
  return new CutlineError('RECORD_MALFORMED', `record at position ${position} (${name}) has a payload that ${what}`, {
    hint: 'The payload of every engine record is a UTF-8 JSON object; see FORMAT.md.',
  });
}

function bytesOf(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/**
 * The top-level `source` of a payload written as JSON.stringify writes it, or undefined to fall back to a
 * full parse: the payload has a backslash (an escape could spell a key), the top level names "source" other
 * than once (JSON.parse keeps the last), or the envelope is not spelled canonically.
 */
function canonicalSource(payload: Buffer): CommandSource | undefined {
  const at = topLevelSourceKey(payload);
  if (at === undefined) return undefined;
  const reader = new IntegerReader(payload, at);
  if (!reader.literal(canonicalStart)) return undefined;
  const partitionId = reader.integer();
  const sourcePosition = reader.literal(canonicalParts[0]) ? reader.integer() : undefined;
  const checkpointId = reader.literal(canonicalParts[1]) ? reader.integer() : undefined;
  if (partitionId === undefined || sourcePosition === undefined || checkpointId === undefined || !reader.literal(canonicalParts[2])) return undefined;
  for (const [checkpointType, bytes] of checkpointTypeBytes) {
    if (!reader.literal(bytes)) continue;
    const after = payload[reader.offset];
    if (after !== comma && after !== closeBrace) return undefined;
    return { partitionId, position: sourcePosition, checkpointId, checkpointType };
  }
  return undefined;
}

/**
 * The offset of the one key `"source"` directly inside the outermost object, in one pass over the bytes;
 * undefined when there is none, more than one, or a backslash anywhere (then strings are not simply
 * quote to quote, and an escape could spell the key).
 */
function topLevelSourceKey(payload: Buffer): number | undefined {
  let found: number | undefined;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < payload.length; index++) {
    const byte = payload[index];
    if (byte === quote) {
      if (!inString && depth === 1 && isSourceKeyAt(payload, index)) {
        if (found !== undefined) return undefined;
        found = index;
      }
      inString = !inString;
    } else if (byte === backslash) return undefined;
    else if (inString) continue;
    else if (byte === openBrace || byte === openBracket) depth += 1;
    else if (byte === closeBrace || byte === closeBracket) depth -= 1;
  }
  if (found === undefined) return undefined;
  const before = payload[found - 1];
  return before === openBrace || before === comma ? found : undefined;
}

/** Whether `"source":` starts at offset: at the top level of valid JSON, that is the key. */
function isSourceKeyAt(payload: Buffer, offset: number): boolean {
  if (payload[offset + 1] !== 0x73 || offset + sourceKey.length > payload.length) return false;
  for (let index = 2; index < sourceKey.length; index++) if (payload[offset + index] !== sourceKey[index]) return false;
  return true;
}

/** Reads literals and non-negative integers without leading zeros (JSON's spelling) from a buffer. */
class IntegerReader {
  constructor(
    private readonly bytes: Buffer,
    public offset: number,
  ) {}

  literal(expected: Buffer | undefined): boolean {
    if (expected === undefined || this.offset + expected.length > this.bytes.length) return false;
    // A loop: these literals are short, and a call into Buffer.compare costs more than comparing them.
    for (let index = 0; index < expected.length; index++) if (this.bytes[this.offset + index] !== expected[index]) return false;
    this.offset += expected.length;
    return true;
  }

  integer(): number | undefined {
    const start = this.offset;
    let value = 0;
    for (let byte = this.bytes[this.offset]; byte !== undefined && byte >= 0x30 && byte <= 0x39; byte = this.bytes[++this.offset]) {
      value = value * 10 + (byte - 0x30);
    }
    const digits = this.offset - start;
    // What follows must be the next literal, so a fraction or an exponent makes the caller fall back.
    if (digits === 0 || digits > integerDigitsMax || (digits > 1 && this.bytes[start] === 0x30)) return undefined;
    return value;
  }
}
