// Checks of what callers hand the log, so that bad input is refused whole, before any byte is written.
import { CutlineError } from '../errors.js';
import { recordPayloadBytesMax, segmentBytesMax, segmentBytesMin } from '../limits.js';
import type { AppendRecord } from './log.js';

const recordTypeMax = 0xffff;

/** Every record is checked before the first is written, so a bad batch leaves the log unchanged. */
export function checkAppendRecords(records: readonly AppendRecord[]): void {
  records.forEach((record, at) => {
    if (!(record.payload instanceof Uint8Array)) {
      throw new CutlineError('USAGE', `${describeRecord(at, records.length)} has a payload that is not a Uint8Array`, {
        hint: 'Encode the payload to bytes before appending.',
      });
    }
    if (record.payload.length > recordPayloadBytesMax) {
      throw new CutlineError(
        'LIMIT_EXCEEDED',
        `${describeRecord(at, records.length)} has a payload of ${record.payload.length} bytes, above recordPayloadBytesMax = ${recordPayloadBytesMax} bytes`,
        {
          hint: 'Split the payload into smaller records.',
        },
      );
    }
    if (!Number.isInteger(record.recordType) || record.recordType < 0 || record.recordType > recordTypeMax) {
      throw new CutlineError(
        'LIMIT_EXCEEDED',
        `${describeRecord(at, records.length)} has record type ${record.recordType}, outside 0..${recordTypeMax} (a u16)`,
        {
          hint: 'Record types are unsigned 16-bit integers.',
        },
      );
    }
    if (!Number.isSafeInteger(record.timestampMs) || record.timestampMs < 0) {
      throw new CutlineError(
        'LIMIT_EXCEEDED',
        `${describeRecord(at, records.length)} has timestamp ${record.timestampMs} ms, not an integer in 0..${Number.MAX_SAFE_INTEGER}`,
        {
          hint: 'Timestamps are whole milliseconds since the Unix epoch.',
        },
      );
    }
  });
}

/** Built only for a message: the checks above run for every record appended. */
function describeRecord(at: number, count: number): string {
  return `record ${at + 1} of ${count} in the append`;
}

export function checkSegmentSize(segmentSizeBytes: number): void {
  if (!Number.isSafeInteger(segmentSizeBytes) || segmentSizeBytes < segmentBytesMin || segmentSizeBytes > segmentBytesMax) {
    throw new CutlineError(
      'LIMIT_EXCEEDED',
      `segment size ${segmentSizeBytes} bytes is outside segmentBytesMin..segmentBytesMax = ${segmentBytesMin}..${segmentBytesMax}`,
      {
        hint: 'Choose a segment size between 4 KiB and 1 GiB.',
      },
    );
  }
}
