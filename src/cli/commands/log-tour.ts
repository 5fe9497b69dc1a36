// `cutline log tour`: a self-contained tour of the partition log in a temporary directory, as text or JSON lines.
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { AppendRecord } from '../../log/log.js';
import { SegmentedLog } from '../../log/segmented-log.js';
import type { AnyCommand } from '../command.js';
import { commandOutput, type CommandOutput } from '../command-output.js';
import { logLevelFrom, type LogLevelArguments } from '../log-level.js';

interface TourArguments extends LogLevelArguments {
  readonly keep: boolean;
  readonly json: boolean;
}

const segmentSizeBytes = 4096;

function fileName(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path;
}

/** The segments as the text shows them (one indented line each) and as JSON fields. */
function segmentsOf(log: SegmentedLog): { text: string; segments: object[] } {
  const segments = log.segments().map((segment) => ({
    file: fileName(segment.path),
    firstPosition: segment.firstPosition,
    lastPosition: segment.lastPosition,
    sizeBytes: segment.sizeBytes,
    durableSizeBytes: segment.durableSizeBytes,
  }));
  const text = segments
    .map(
      (segment) =>
        `    ${segment.file}  positions ${segment.firstPosition}..${segment.lastPosition}  ${segment.sizeBytes} bytes (${segment.durableSizeBytes} durable)`,
    )
    .join('\n');
  return { text, segments };
}

function orderRecord(n: number): AppendRecord {
  const payload = new TextEncoder().encode(JSON.stringify({ order: n, item: `widget-${n % 13}`, quantity: 1 + (n % 5) }).padEnd(120, ' '));
  return { timestampMs: Date.UTC(2026, 0, 1) + n * 1000, recordType: 1, payload };
}

/** Steps 1 and 2: append across segments, then cut the last segment as a crash mid-write would. */
function appendAndCrash(directory: string, out: CommandOutput): void {
  const log = SegmentedLog.open({ directory, segmentSizeBytes });
  log.append(Array.from({ length: 100 }, (_, at) => orderRecord(at + 1)));
  log.flush();
  const appended = segmentsOf(log);
  out(`\n1. Appended 100 records (positions 1..100); the writer rolled to new segments at the size limit:\n${appended.text}`, {
    event: 'step',
    step: 1,
    records: 100,
    segments: appended.segments,
  });
  log.append([orderRecord(101)]);
  log.close();
  const last = log.segments().at(-1);
  if (last === undefined) return;
  const cutTo = last.sizeBytes - 50;
  truncateSync(last.path, cutTo);
  out(`\n2. Appended record 101, then simulated a crash mid-write: cut ${fileName(last.path)} from ${last.sizeBytes} to ${cutTo} bytes.`, {
    event: 'step',
    step: 2,
    file: fileName(last.path),
    sizeBytes: last.sizeBytes,
    cutToBytes: cutTo,
  });
}

/** Steps 3 to 5: recovery of the torn tail, truncation after a checkpoint, compaction. */
function recoverTruncateCompact(directory: string, out: CommandOutput): void {
  const log = SegmentedLog.open({ directory, segmentSizeBytes });
  const torn = log.recovery.tornTail;
  const lastPath = log.segments().at(-1)?.path ?? directory;
  out(
    [
      '\n3. Reopened: recovery found the torn tail and cut it back to the last whole record:',
      ...(torn === undefined
        ? []
        : [`    ${torn.reason} at byte offset ${torn.offset} (position ${torn.position}); removed ${torn.bytesRemoved} bytes`]),
      `    the log now holds positions ${log.firstPosition}..${log.lastPosition}; file size ${statSync(lastPath).size} bytes`,
    ].join('\n'),
    { event: 'step', step: 3, tornTail: torn ?? null, firstPosition: log.firstPosition, lastPosition: log.lastPosition },
  );
  log.truncateAfter(42);
  const truncated = segmentsOf(log);
  const record = new TextDecoder().decode(log.get(42)?.payload).trim();
  const next = log.append([orderRecord(43)]);
  out(
    `\n4. truncateAfter(42), as a restore does right after a checkpoint record: later segments deleted, one segment cut:\n${truncated.text}\n    record 42: ${record}\n    appending continues at position ${next}`,
    { event: 'step', step: 4, truncatedAfter: 42, segments: truncated.segments, record42: record, nextPosition: next },
  );
  const second = log.segments()[1];
  if (second !== undefined) {
    log.compactBelow(second.firstPosition);
    out(`\n5. compactBelow(${second.firstPosition}) deleted whole segments below it; the log starts at position ${log.firstPosition}.`, {
      event: 'step',
      step: 5,
      compactedBelow: second.firstPosition,
      firstPosition: log.firstPosition,
    });
  }
  log.close();
}

function tour(argv: TourArguments): void {
  const out = commandOutput({ json: argv.json, level: logLevelFrom(argv, process.env, undefined), results: new Set(['done']) });
  const directory = mkdtempSync(join(tmpdir(), 'cutline-demo-'));
  try {
    out(`cutline log tour: a partition log in ${directory} (segments of ${segmentSizeBytes} bytes)`, {
      event: 'started',
      directory,
      segmentSizeBytes,
    });
    appendAndCrash(directory, out);
    recoverTruncateCompact(directory, out);
    out(`\nInspect it yourself: cutline log verify --dir ${directory}${argv.keep ? '' : '   (pass --keep to keep the directory)'}`, {
      event: 'done',
      directory,
      kept: argv.keep,
    });
  } finally {
    if (!argv.keep) rmSync(directory, { recursive: true, force: true });
  }
}

export const logTourCommand = {
  command: 'tour',
  describe: 'A short tour in a temporary directory: append across segments, a torn tail recovered, truncation',
  builder: (yargs: Argv) =>
    yargs
      .option('keep', { type: 'boolean', default: false, describe: 'Keep the temporary directory to inspect it afterwards' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print JSON lines: one object per step (started, step 1..5, done) with its figures',
      }),
  handler: (argv: ArgumentsCamelCase<TourArguments>) => tour(argv),
} satisfies CommandModule<object, TourArguments> as AnyCommand;
