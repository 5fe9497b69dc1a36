// `cutline log tour`: a self-contained tour of the partition log in a temporary directory.
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { AppendRecord } from '../../log/log.js';
import { SegmentedLog } from '../../log/segmented-log.js';
import type { AnyCommand } from '../command.js';

interface TourArguments {
  readonly keep: boolean;
}

const segmentSizeBytes = 4096;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function describeSegments(log: SegmentedLog): void {
  for (const segment of log.segments()) {
    say(
      `    ${segment.path.split(/[\\/]/).at(-1) ?? segment.path}  positions ${segment.firstPosition}..${segment.lastPosition}  ${segment.sizeBytes} bytes (${segment.durableSizeBytes} durable)`,
    );
  }
}

function orderRecord(n: number): AppendRecord {
  const payload = new TextEncoder().encode(JSON.stringify({ order: n, item: `widget-${n % 13}`, quantity: 1 + (n % 5) }).padEnd(120, ' '));
  return { timestampMs: Date.UTC(2026, 0, 1) + n * 1000, recordType: 1, payload };
}

function tour(argv: TourArguments): void {
  const directory = mkdtempSync(join(tmpdir(), 'cutline-demo-'));
  try {
    say(`cutline log tour: a partition log in ${directory} (segments of ${segmentSizeBytes} bytes)`);
    let log = SegmentedLog.open({ directory, segmentSizeBytes });
    log.append(Array.from({ length: 100 }, (_, at) => orderRecord(at + 1)));
    log.flush();
    say('\n1. Appended 100 records (positions 1..100); the writer rolled to new segments at the size limit:');
    describeSegments(log);
    log.append([orderRecord(101)]);
    log.close();
    const last = log.segments().at(-1);
    if (last === undefined) return;
    const cutTo = last.sizeBytes - 50;
    truncateSync(last.path, cutTo);
    say(
      `\n2. Appended record 101, then simulated a crash mid-write: cut ${last.path.split(/[\\/]/).at(-1)} from ${last.sizeBytes} to ${cutTo} bytes.`,
    );
    log = SegmentedLog.open({ directory, segmentSizeBytes });
    const torn = log.recovery.tornTail;
    say('\n3. Reopened: recovery found the torn tail and cut it back to the last whole record:');
    if (torn !== undefined)
      say(`    ${torn.reason} at byte offset ${torn.offset} (position ${torn.position}); removed ${torn.bytesRemoved} bytes`);
    say(`    the log now holds positions ${log.firstPosition}..${log.lastPosition}; file size ${statSync(last.path).size} bytes`);
    log.truncateAfter(42);
    say('\n4. truncateAfter(42), as a restore does right after a checkpoint record: later segments deleted, one segment cut:');
    describeSegments(log);
    say(`    record 42: ${new TextDecoder().decode(log.get(42)?.payload).trim()}`);
    say(`    appending continues at position ${log.append([orderRecord(43)])}`);
    const second = log.segments()[1];
    if (second !== undefined) {
      log.compactBelow(second.firstPosition);
      say(`\n5. compactBelow(${second.firstPosition}) deleted whole segments below it; the log starts at position ${log.firstPosition}.`);
    }
    log.close();
    say(`\nInspect it yourself: cutline log verify --dir ${directory}${argv.keep ? '' : '   (pass --keep to keep the directory)'}`);
  } finally {
    if (!argv.keep) rmSync(directory, { recursive: true, force: true });
  }
}

export const logTourCommand = {
  command: 'tour',
  describe: 'A short tour in a temporary directory: append across segments, a torn tail recovered, truncation',
  builder: (yargs: Argv) =>
    yargs.option('keep', { type: 'boolean', default: false, describe: 'Keep the temporary directory to inspect it afterwards' }),
  handler: (argv: ArgumentsCamelCase<TourArguments>) => tour(argv),
} satisfies CommandModule<object, TourArguments> as AnyCommand;
