// How much a command prints: --log-level error|warn|info|debug, --quiet (error) and --verbose (debug), with CUTLINE_LOG_LEVEL and log-level in the config file.
import type { Argv } from 'yargs';
import { CutlineError } from '../errors.js';
import type { ConfigFile } from './config-file.js';
import { resolveSetting } from './settings.js';

export const logLevels = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LogLevelArguments {
  readonly quiet?: boolean | undefined;
  readonly verbose?: boolean | undefined;
  readonly 'log-level'?: string | undefined;
}

/** Adds the global --quiet and --log-level (--verbose is main.ts's: it also prints stack traces). */
export function withLogLevelOptions<T>(yargs: Argv<T>): Argv<T & LogLevelArguments> {
  return yargs
    .option('quiet', {
      type: 'boolean',
      global: true,
      describe: 'Print only errors and the final result (= --log-level error)',
    })
    .option('log-level', {
      type: 'string',
      global: true,
      describe: `What to print: ${logLevels.join(', ')} (default info; --verbose is debug) [env CUTLINE_LOG_LEVEL]`,
    });
}

/**
 * The level from --quiet, --verbose or --log-level (which must agree), else CUTLINE_LOG_LEVEL, else
 * log-level in the config file, else info.
 */
export function logLevelFrom(argv: LogLevelArguments, environment: NodeJS.ProcessEnv, file: ConfigFile | undefined): LogLevel {
  const given = [
    argv.quiet === true ? { flag: '--quiet', level: 'error' } : undefined,
    argv.verbose === true ? { flag: '--verbose', level: 'debug' } : undefined,
    argv['log-level'] === undefined ? undefined : { flag: `--log-level ${argv['log-level']}`, level: argv['log-level'] },
  ].filter((flag) => flag !== undefined);
  const [first, ...others] = given;
  const disagreeing = others.find((other) => other.level !== first?.level);
  if (first !== undefined && disagreeing !== undefined) {
    throw new CutlineError('USAGE', `${first.flag} and ${disagreeing.flag} ask for different log levels`, {
      hint: '--quiet is --log-level error and --verbose is --log-level debug: give one of them.',
    });
  }
  const setting = resolveSetting('log-level', first?.level, environment, file);
  const where = first?.flag.split(' ')[0] ?? setting.where;
  const level = logLevels.find((candidate) => candidate === setting.value);
  if (level === undefined) {
    throw new CutlineError('USAGE', `${where} must be one of ${logLevels.join(', ')}, got ${JSON.stringify(setting.value)}`, {
      hint: `Set ${where} to ${logLevels.join(', ')}.`,
    });
  }
  return level;
}

/** Whether lines at info are printed at this level (info and debug). */
export function printsInfo(level: LogLevel): boolean {
  return logLevels.indexOf(level) >= logLevels.indexOf('info');
}
