// peekRecord reads a command's source as JSON.parse would, rejects only what decodeRecord rejects, and checks every payload's outline; peekInstanceKey reads the instance key the same way.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { peekInstanceKey, peekRecord } from '../../src/engine/record-peek.js';
import { checkpointTypes, commandSourceOf, decodeRecord, RecordType } from '../../src/engine/records.js';
import { isCutlineError } from '../../src/errors.js';
import type { LogRecord } from '../../src/log/log.js';

const commandTypes = [
  RecordType.OPEN_SUBSCRIPTION,
  RecordType.SUBSCRIPTION_OPENED,
  RecordType.CORRELATE_MESSAGE,
  RecordType.MESSAGE_CORRELATED,
];
const recordOf = (recordType: number, payload: string | Uint8Array): LogRecord => ({
  position: 7,
  timestampMs: 0,
  recordType,
  payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
});

/** What a read answers: its value, or the code of the CutlineError it throws. */
function answerOf(read: () => unknown): { value: unknown } | { code: string } {
  try {
    return { value: read() };
  } catch (error) {
    if (isCutlineError(error)) return { code: error.code };
    throw error;
  }
}
/** decodeRecord's source, and peekRecord's. */
const decoded = (record: LogRecord) => answerOf(() => commandSourceOf(decodeRecord(record)));
const peeked = (record: LogRecord) => answerOf(() => peekRecord(record));

const integer = fc.oneof(
  fc.nat({ max: 20 }),
  fc.maxSafeNat(),
  fc.integer({ min: -5, max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const source = fc.record({
  partitionId: integer,
  position: integer,
  checkpointId: integer,
  checkpointType: fc.oneof(fc.constantFrom(...checkpointTypes), fc.string()),
});
/** Other fields, some of them trying to look like a source: nested sources, keys in strings, escapes. */
const otherFields = fc.dictionary(
  fc.oneof(fc.string(), fc.constantFrom('instanceKey', 'messageId', 'source ', 'Source')),
  fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'binary' }),
    source.map((nested) => ({ source: nested })),
    source.map((nested) => `"source":${JSON.stringify(nested)}`),
    fc.constant('\\"source\\":{'),
  ),
  { maxKeys: 4 },
);
/** A command payload with the source at any place among the other fields, as JSON.stringify writes it. */
const commandPayload = fc.tuple(otherFields, source, fc.nat()).map(([others, envelope, place]) => {
  const entries = Object.entries(others).filter(([key]) => key !== 'source' && key !== '__proto__');
  entries.splice(place % (entries.length + 1), 0, ['source', envelope]);
  return JSON.stringify(Object.fromEntries(entries));
});

describe('peekRecord', () => {
  it("returns exactly the source JSON.parse reads, for commands written the engine's way and any other way", () => {
    fc.assert(
      fc.property(fc.constantFrom(...commandTypes), commandPayload, (recordType, payload) => {
        const record = recordOf(recordType, payload);
        expect(peeked(record)).toEqual(decoded(record));
      }),
      { numRuns: 2000 },
    );
  });

  it('follows JSON.parse when a payload names its source twice, nests it, or spells the key with an escape', () => {
    const canonical = (position: number) => `{"partitionId":2,"position":${position},"checkpointId":1,"checkpointType":"MANUAL_BACKUP"}`;
    const payloads = [
      `{"source":${canonical(3)},"source":${canonical(9)}}`,
      `{"instanceKey":"1-1","source":${canonical(3)},"\\u0073ource":${canonical(9)}}`,
      `{"a":{"source":${canonical(3)}},"b":1}`,
      `{"a":["{",{"source":${canonical(3)}}]}`,
      `{"a":"}","source":${canonical(3)}}`,
      `{"a":"{","source":${canonical(4)}}`,
      `{"a":{"source":${canonical(3)}}}`,
      `{"a":"x\\",\\"source\\":${canonical(3).replaceAll('"', '\\"')}}"}`,
      `{"a":1,"source":{"partitionId":2,"position":3,"checkpointId":1,"checkpointType":"MANUAL_BACKUP"} }`,
      `{"a":1, "source":${canonical(5)}}`,
      `{"source":{"partitionId":02,"position":3,"checkpointId":1,"checkpointType":"MANUAL_BACKUP"}}`,
      `{"source":{"partitionId":2,"position":3e2,"checkpointId":1,"checkpointType":"MANUAL_BACKUP"}}`,
      `{"source":{"partitionId":2,"position":3,"checkpointId":1,"checkpointType":"MARKER","extra":1}}`,
    ];
    for (const payload of payloads) {
      const record = recordOf(RecordType.CORRELATE_MESSAGE, payload);
      expect(peeked(record), payload).toEqual(decoded(record));
    }
  });

  it('rejects a payload only when decodeRecord rejects it too', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '')),
      fc.tuple(commandPayload, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([text, at, byte]) => {
        const bytes = Buffer.from(text);
        bytes[at % bytes.length] = byte;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...Object.values(RecordType)), fc.nat({ max: 70 })), payload, (recordType, bytes) => {
        const record = recordOf(recordType, bytes);
        const peek = peeked(record);
        if ('code' in peek) expect(decoded(record)).toEqual(peek);
      }),
      { numRuns: 3000 },
    );
  });

  it('names the record and what is wrong with its outline', () => {
    expect(() => peekRecord(recordOf(RecordType.CREATE_INSTANCE, 'x"correlationKey":"k"}'))).toThrow(
      'record at position 7 (CREATE_INSTANCE) has a payload that is not a JSON object',
    );
    expect(() => peekRecord(recordOf(RecordType.CREATE_INSTANCE, Buffer.from([0x7b, 0xff, 0x7d])))).toThrow(
      'record at position 7 (CREATE_INSTANCE) has a payload that is not UTF-8 JSON',
    );
    expect(() => peekRecord(recordOf(99, '{}'))).toThrow('record at position 7 has unknown type 99');
    const canonical = '"source":{"partitionId":2,"position":3,"checkpointId":1,"checkpointType":"MANUAL_BACKUP"}';
    const badByte = Buffer.concat([Buffer.from('{"instanceKey":"1-'), Buffer.from([0xc3, 0x28]), Buffer.from(`",${canonical}}`)]);
    expect(() => peekRecord(recordOf(RecordType.SUBSCRIPTION_OPENED, badByte))).toThrow(
      'record at position 7 (SUBSCRIPTION_OPENED) has a payload that is not UTF-8 JSON',
    );
    expect(peekRecord(recordOf(RecordType.SUBSCRIPTION_OPENED, `{"instanceKey":"1-é",${canonical}}`))).toEqual({
      partitionId: 2,
      position: 3,
      checkpointId: 1,
      checkpointType: 'MANUAL_BACKUP',
    });
  });

  it('leaves the full parse of a local record to decodeRecord: an object outline with bad JSON inside passes', () => {
    const record = recordOf(RecordType.CREATE_INSTANCE, '{"correlationKey":}');
    expect(peekRecord(record)).toBeUndefined();
    expect(decoded(record)).toEqual({ code: 'RECORD_MALFORMED' });
  });
});

describe('peekInstanceKey', () => {
  /** decodeRecord's instance key (when a string), and peekInstanceKey's. */
  const decodedKey = (record: LogRecord) =>
    answerOf(() => {
      const value = decodeRecord(record).value as { instanceKey?: unknown };
      return typeof value.instanceKey === 'string' ? value.instanceKey : undefined;
    });
  const peekedKey = (record: LogRecord) => answerOf(() => peekInstanceKey(record));
  const instanceKey = fc.oneof(
    fc.tuple(fc.nat({ max: 9 }), fc.nat()).map(([partition, position]) => `${partition}-${position}`),
    fc.string(),
    fc.constant('1-"2'),
    fc.constant('1-\\u0032'),
  );

  it("returns exactly the instance key JSON.parse reads, written first (the engine's way) or anywhere else", () => {
    fc.assert(
      fc.property(fc.constantFrom(...commandTypes), commandPayload, instanceKey, fc.boolean(), (recordType, payload, key, first) => {
        const body = JSON.parse(payload) as Record<string, unknown>;
        delete body.instanceKey;
        const text = first ? JSON.stringify({ instanceKey: key, ...body }) : JSON.stringify({ ...body, instanceKey: key });
        const record = recordOf(recordType, text);
        expect(peekedKey(record)).toEqual(decodedKey(record));
      }),
      { numRuns: 2000 },
    );
  });

  it('follows JSON.parse when a payload names the key twice or spells it with an escape', () => {
    const payloads = [
      '{"instanceKey":"1-2","instanceKey":"3-4"}',
      '{"instanceKey":"1-2","instanc\\u0065Key":"3-4"}',
      '{"instanceKey":"1-2","a":"instanceKey"}',
      '{"instanceKey":1}',
    ];
    for (const payload of payloads) {
      const record = recordOf(RecordType.SUBSCRIPTION_OPENED, payload);
      expect(peekedKey(record), payload).toEqual(decodedKey(record));
    }
    expect(peekInstanceKey(recordOf(RecordType.SUBSCRIPTION_OPENED, '{"instanceKey":"1-2","instanceKey":"3-4"}'))).toBe('3-4');
  });
});
