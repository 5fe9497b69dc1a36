// `cutline verify-backup`: checks backups in a store and reports every finding as text, JSON or JUnit XML (exit 0 / 1 / 2).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CutlineError, isCutlineError } from '../../errors.js';
import { openBackupStore } from '../../store/store-config.js';
import {
  backupSummaryLines,
  findingCount,
  readRangesReport,
  renderRanges,
  renderReport,
  reportFormats,
  verifyBackups,
  verifyLevels,
  type BackupSelection,
  type RangesReport,
  type ReportFormat,
  type VerifyLevel,
  type VerifyReport,
} from '../../verify/verify-command.js';
import { loadConfigFile } from '../config-file.js';
import { storeConfigFromArguments, withStoreOptions, type StoreArguments } from '../store-options.js';
import { idOption, requireBackupId } from './backup-arguments.js';

interface VerifyBackupArguments extends StoreArguments {
  readonly backupId: string | undefined;
  readonly latest: boolean | undefined;
  readonly all: boolean | undefined;
  readonly level: VerifyLevel;
  readonly format: ReportFormat | undefined;
  readonly json: boolean | undefined;
  readonly output: string | undefined;
  readonly 'temp-dir': string | undefined;
  readonly ranges: boolean | undefined;
}

export const verifyBackupCommand: CommandModule<object, VerifyBackupArguments> = {
  command: 'verify-backup',
  describe: 'Check backups in a store and report every finding (exit 0 clean, 1 findings, 2 store unreadable or bad arguments)',
  builder: (yargs: Argv) =>
    withStoreOptions(
      yargs
        .option('backupId', idOption('Verify this backup (checkpoint) id'))
        .option('latest', { type: 'boolean', describe: 'Verify the newest backup id that is not still IN_PROGRESS' })
        .option('all', { type: 'boolean', describe: 'Verify every backup id in the store (except ones IN_PROGRESS or DELETED everywhere)' })
        .option('level', {
          choices: verifyLevels,
          default: 'full' as const,
          describe:
            'presence: files exist with their sizes; checksum: + SHA-256; full: + log CRCs, checkpoint record, snapshot, cross-partition consistency',
        })
        .option('format', {
          choices: reportFormats,
          defaultDescription: 'text',
          describe: 'Report format: text lines, one JSON document, or JUnit XML',
        })
        .option('json', { type: 'boolean', describe: 'The same as --format json, as every other command spells it' })
        .option('output', { type: 'string', describe: 'Write the report to this file instead of stdout (a summary still goes to stdout)' })
        .option('ranges', {
          type: 'boolean',
          describe:
            'Instead of checking files: per partition the backup ranges and gaps, and the cluster-wide window point-in-time restore can reach (exit 1 when empty)',
        })
        .option('temp-dir', {
          type: 'string',
          describe: 'Where --level full downloads a backup; removed afterwards (default: the OS temporary directory)',
        })
        .example('$0 verify-backup --store /var/backups --latest', 'Fully verify the newest backup')
        .example('$0 verify-backup --store s3://bucket/cutline --ranges', 'Where a point-in-time restore can go, and the gaps')
        .example(
          '$0 verify-backup --store s3://bucket/cutline --all --level checksum --format junit --output verify.xml',
          'Checksums of every backup as a JUnit report for CI',
        ),
    ),
  handler: async (argv: ArgumentsCamelCase<VerifyBackupArguments>) => {
    const format = formatOf(argv);
    if (argv.ranges === true) return reportRanges(argv, format);
    const selection = selectionOf(argv);
    const config = storeConfigFromArguments(argv, loadConfigFile(argv.config));
    // A mistyped directory would look like an empty store (no backups: exit 1); it is a wrong argument.
    if (config.kind === 'filesystem' && !(await isDirectory(config.directory))) {
      throw new CutlineError('USAGE', `--store ${config.directory} is not a directory`, {
        hint: 'Point --store at the backup store directory, or use s3://bucket/prefix.',
      });
    }
    // Checked before a verification that may take long, rather than failing when it is done.
    if (argv['temp-dir'] !== undefined && !(await isDirectory(resolve(argv['temp-dir'])))) {
      throw new CutlineError('USAGE', `--temp-dir ${resolve(argv['temp-dir'])} is not a directory`, {
        hint: 'Name an existing directory with room for one partition backup, or leave --temp-dir out.',
      });
    }
    await checkOutputPath(argv.output);
    const store = openBackupStore(config);
    let report: VerifyReport;
    try {
      report = await verifyBackups(store, selection, {
        level: argv.level,
        ...(argv['temp-dir'] === undefined ? {} : { temporaryDirectory: resolve(argv['temp-dir']) }),
      });
    } catch (error) {
      throw unreadable(error, store.description);
    }
    const rendered = renderReport(report, format);
    if (argv.output === undefined) {
      process.stdout.write(rendered);
    } else {
      const output = resolve(argv.output);
      await writeReport(output, rendered);
      const count = findingCount(report);
      const verdict = `${count === 0 ? 'no findings' : `${count} finding${count === 1 ? '' : 's'}`}: report written to ${output}`;
      process.stdout.write(`${[...backupSummaryLines(report), verdict].join('\n')}\n`);
    }
    // Never 0 with a finding: CI pipelines gate on this.
    process.exitCode = findingCount(report) === 0 ? 0 : 1;
  },
};

/** `--ranges`: reads the manifests and metadata.json only (no content), prints the report; exit 1 when nothing is restorable. */
async function reportRanges(argv: VerifyBackupArguments, format: ReportFormat): Promise<void> {
  const given = [argv.backupId !== undefined, argv.latest === true, argv.all === true].filter(Boolean).length;
  if (given > 0 || format === 'junit') {
    throw new CutlineError(
      'USAGE',
      '--ranges reports every backup of the store, as text or JSON: it takes no --backupId, --latest, --all or --format junit',
      { hint: 'verify-backup --store S --ranges' },
    );
  }
  const config = storeConfigFromArguments(argv, loadConfigFile(argv.config));
  // As for the checks: a mistyped directory must not pass for an empty store (exit 1).
  if (config.kind === 'filesystem' && !(await isDirectory(config.directory))) {
    throw new CutlineError('USAGE', `--store ${config.directory} is not a directory`, {
      hint: 'Point --store at the backup store directory, or use s3://bucket/prefix.',
    });
  }
  await checkOutputPath(argv.output);
  const store = openBackupStore(config);
  let report: RangesReport;
  try {
    report = await readRangesReport(store);
  } catch (error) {
    throw unreadable(error, store.description);
  }
  const rendered = renderRanges(report, format);
  if (argv.output === undefined) process.stdout.write(rendered);
  else await writeReport(resolve(argv.output), rendered);
  process.exitCode = report.windows.length === 0 ? 1 : 0;
}

/** --json is --format json; with another --format it is a contradiction, not a choice. */
function formatOf(argv: VerifyBackupArguments): ReportFormat {
  if (argv.json !== true) return argv.format ?? 'text';
  if (argv.format !== undefined && argv.format !== 'json') {
    throw new CutlineError('USAGE', `--json and --format ${argv.format} ask for different reports`, {
      hint: 'Give --json (or --format json) for JSON, or --format text|junit without --json.',
    });
  }
  return 'json';
}

function selectionOf(argv: VerifyBackupArguments): BackupSelection {
  const given = [argv.backupId !== undefined, argv.latest === true, argv.all === true].filter(Boolean).length;
  if (given !== 1) {
    throw new CutlineError('USAGE', `name exactly one of --backupId N, --latest or --all (${given} given)`, {
      hint: 'verify-backup --store S --latest verifies the newest backup.',
    });
  }
  if (argv.latest === true) return 'latest';
  if (argv.all === true) return 'all';
  return { backupId: requireBackupId(argv.backupId) };
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/** --output must name a file (new or replaced) in an existing directory. */
async function checkOutputPath(output: string | undefined): Promise<void> {
  if (output === undefined) return;
  const path = resolve(output);
  const problem = (await isDirectory(path))
    ? 'is a directory'
    : !(await isDirectory(dirname(path)))
      ? `is in ${dirname(path)}, which is not a directory`
      : undefined;
  if (problem !== undefined)
    throw new CutlineError('USAGE', `--output ${path} ${problem}`, { hint: 'Name the report file to write, in an existing directory.' });
}

/** Writes the report atomically (`{output}.tmp`, renamed); a failure leaves no `.tmp` behind. */
async function writeReport(output: string, rendered: string): Promise<void> {
  const temporary = `${output}.tmp`;
  try {
    await writeFile(temporary, rendered);
    await rename(temporary, output);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new CutlineError('VERIFY_LOCAL_IO', `cannot write the report to ${output}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Name a file in a writable directory with --output.',
    });
  }
}

/**
 * Any error while verifying means the store could not be read: exit 2, keeping the underlying code in
 * the message. A local file error (an errno, not a CutlineError: the stores map their own) is the
 * temporary directory's.
 */
function unreadable(error: unknown, store: string): unknown {
  if (isErrno(error)) {
    return new CutlineError('VERIFY_LOCAL_IO', `cannot use the temporary directory: ${error.message}`, {
      cause: error,
      hint: 'Give --temp-dir a writable directory with room for one partition backup.',
    });
  }
  if (!isCutlineError(error)) return error;
  if (error.code === 'USAGE' || error.code === 'VERIFY_STORE_UNREADABLE') return error;
  return new CutlineError('VERIFY_STORE_UNREADABLE', `cannot read ${store}: [${error.code}] ${error.message}`, {
    cause: error,
    hint: error.hint ?? 'Check --store, the credentials and that the store answers; no backup was verified.',
  });
}

function isErrno(error: unknown): error is Error {
  return error instanceof Error && !isCutlineError(error) && /^E[A-Z]+$/.test(String((error as { code?: unknown }).code));
}
