// `cutline log dump|verify`: inspect a partition log directory without changing it.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { CutlineError } from '../../errors.js';
import type { LogRecord } from '../../log/log.js';
import { SegmentedLog } from '../../log/segmented-log.js';
import type { AnyCommand } from '../command.js';
import { logTourCommand } from './log-tour.js';
import { recordTypeName } from '../../engine/records.js';

interface DumpArguments {
  readonly dir: string;
  readonly from: number | undefined;
  readonly json: boolean;
}

interface VerifyArguments {
  readonly dir: string;
  readonly json: boolean;
}

const payloadPreviewBytes = 48;

/** A record type as an operator reads it: the engine's name (FORMAT.md "Records"), or the number of a type no engine record has. */
function describeType(recordType: number): string {
  return recordTypeName(recordType) ?? `${recordType} (unknown)`;
}

/** A record on one line: what an operator needs to find a position, with a printable payload preview. */
function formatRecord(record: LogRecord): string {
  const preview = Buffer.from(record.payload.subarray(0, payloadPreviewBytes));
  const printable = /^[\x20-\x7e]*$/.test(preview.toString('latin1'))
    ? JSON.stringify(preview.toString('latin1'))
    : `0x${preview.toString('hex')}`;
  const ellipsis = record.payload.length > payloadPreviewBytes ? '...' : '';
  return `${record.position}\t${new Date(record.timestampMs).toISOString()}\t${describeType(record.recordType)}\t${record.payload.length} B\t${printable}${ellipsis}`;
}

function openReadOnly(directory: string): SegmentedLog {
  const log = SegmentedLog.open({ directory, readOnly: true });
  const torn = log.recovery.tornTail;
  if (torn !== undefined) {
    process.stderr.write(
      `note: ${torn.path} ends in a torn tail at byte offset ${torn.offset} (position ${torn.position}: ${torn.reason}); opening the log for writing cuts it\n`,
    );
  }
  return log;
}

function dump(argv: DumpArguments): void {
  const log = openReadOnly(argv.dir);
  try {
    for (const record of log.read(argv.from ?? log.firstPosition)) {
      const line = argv.json
        ? JSON.stringify({
            position: record.position,
            timestampMs: record.timestampMs,
            recordType: record.recordType,
            recordTypeName: recordTypeName(record.recordType) ?? null,
            payloadBase64: Buffer.from(record.payload).toString('base64'),
          })
        : formatRecord(record);
      process.stdout.write(`${line}\n`);
    }
  } finally {
    log.close();
  }
}

function verify(argv: VerifyArguments): void {
  const log = openReadOnly(argv.dir);
  try {
    const findings = log.verify();
    const segments = log.segments();
    const bytes = segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
    if (argv.json) {
      const result = {
        status: findings.length === 0 ? 'ok' : 'damaged',
        segments: segments.length,
        firstPosition: log.firstPosition,
        lastPosition: log.lastPosition,
        bytes,
        findings,
      };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const finding of findings) process.stdout.write(`damaged [${finding.code}]: ${finding.message}\n`);
    }
    const [first] = findings;
    if (first !== undefined) {
      throw new CutlineError(first.code, `${findings.length} of ${segments.length} segments in ${argv.dir} are damaged`, {
        hint: 'Restore the partition from a backup; the lines above name each damaged segment, byte offset and position.',
      });
    }
    if (argv.json) return;
    process.stdout.write(
      `ok: ${segments.length} segments, positions ${log.firstPosition}..${log.lastPosition}, ${bytes} bytes, every CRC and position checked\n`,
    );
  } finally {
    log.close();
  }
}

const dumpCommand: CommandModule<object, DumpArguments> = {
  command: 'dump',
  describe: 'Print the records of a log (one per line: position, time, type, size, payload preview)',
  builder: (yargs: Argv) =>
    yargs
      .option('dir', {
        type: 'string',
        demandOption: true,
        describe: 'The partition log directory (holding NNNNNNNNNNNNNNNNNNNN.log segments)',
      })
      .option('from', { type: 'number', describe: 'First position to print (default: the first the log holds)' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line with the payload in base64' })
      .check((argv) => {
        if (argv.from !== undefined && (!Number.isSafeInteger(argv.from) || argv.from < 1))
          throw new CutlineError('USAGE', `--from ${argv.from} is not a position (an integer >= 1)`);
        return true;
      }),
  handler: (argv: ArgumentsCamelCase<DumpArguments>) => dump(argv),
};

const verifyCommand: CommandModule<object, VerifyArguments> = {
  command: 'verify',
  describe: 'Check every frame of every segment (CRC, positions, headers) without changing anything',
  builder: (yargs: Argv) =>
    yargs.option('dir', { type: 'string', demandOption: true, describe: 'The partition log directory' }).option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print the result as one JSON object (status, segments, positions, bytes, findings)',
    }),
  handler: (argv: ArgumentsCamelCase<VerifyArguments>) => verify(argv),
};

export const logCommand: AnyCommand = {
  command: 'log <command>',
  describe: 'Inspect a partition log: dump its records, verify its segments',
  builder: (yargs: Argv) =>
    yargs
      .command([dumpCommand, verifyCommand, logTourCommand] as readonly AnyCommand[] as never)
      .demandCommand(1, 'Name a log command; `cutline log --help` lists them.'),
  handler: () => undefined,
};
