// Property tests: any sequence of appends, reopens, truncations and compactions reads back as a simple array model.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppendRecord, LogRecord } from '../../src/log/log.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { noSyncFileSystem } from './log-fixtures.js';

const recordArbitrary: fc.Arbitrary<AppendRecord> = fc.record({
  timestampMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  recordType: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ minLength: 0, maxLength: 900, size: 'max' }),
});

type Operation =
  | { readonly kind: 'append'; readonly records: AppendRecord[] }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'flush' }
  | { readonly kind: 'truncate'; readonly fraction: number }
  | { readonly kind: 'compact'; readonly fraction: number };

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('append' as const), records: fc.array(recordArbitrary, { maxLength: 25, size: 'max' }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);

function asStored(record: AppendRecord, position: number): LogRecord {
  return { position, timestampMs: record.timestampMs, recordType: record.recordType, payload: record.payload };
}

describe('SegmentedLog properties', () => {
  it('reads back exactly what a plain array model holds, after any operations and reopens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4096, max: 16_384 }),
        fc.integer({ min: 64, max: 4096 }),
        fc.array(operationArbitrary, { maxLength: 20, size: 'max' }),
        fc.nat(),
        (segmentSizeBytes, indexIntervalBytes, operations, probe) => {
          const directory = mkdtempSync(join(tmpdir(), 'cutline-log-property-'));
          try {
            const open = (): SegmentedLog => SegmentedLog.open({ directory, segmentSizeBytes, indexIntervalBytes, fs: noSyncFileSystem });
            let log = open();
            // model[i] is the record at position firstPosition + i.
            let model: LogRecord[] = [];
            let firstPosition = 1;
            for (const operation of operations) {
              const lastPosition = firstPosition + model.length - 1;
              if (operation.kind === 'append') {
                expect(log.append(operation.records)).toBe(lastPosition + operation.records.length);
                model = [...model, ...operation.records.map((record, at) => asStored(record, lastPosition + 1 + at))];
              } else if (operation.kind === 'reopen') {
                log.close();
                log = open();
              } else if (operation.kind === 'flush') {
                log.flush();
              } else if (operation.kind === 'truncate') {
                const position = firstPosition - 1 + Math.floor(operation.fraction * (model.length + 1) * 0.999);
                log.truncateAfter(position);
                model = model.slice(0, position - firstPosition + 1);
              } else {
                log.compactBelow(firstPosition + Math.floor(operation.fraction * (model.length + 2)));
                const dropped = log.firstPosition - firstPosition;
                expect(dropped).toBeGreaterThanOrEqual(0);
                model = model.slice(dropped);
                firstPosition = log.firstPosition;
              }
              expect([log.firstPosition, log.lastPosition]).toEqual([firstPosition, firstPosition + model.length - 1]);
            }
            expect([...log.read(firstPosition)]).toEqual(model);
            const probePosition = firstPosition + (model.length === 0 ? 0 : probe % model.length);
            expect(log.get(probePosition)).toEqual(model[probePosition - firstPosition]);
            expect([...log.read(probePosition)]).toEqual(model.slice(probePosition - firstPosition));
            const segments = log.segments();
            segments.slice(1).forEach((segment, at) => expect(segment.firstPosition).toBe((segments[at]?.lastPosition ?? 0) + 1));
            log.close();
            const reopened = open();
            expect([...reopened.read(firstPosition)]).toEqual(model);
            reopened.close();
          } finally {
            rmSync(directory, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: true },
    );
  });
});
