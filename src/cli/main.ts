// The `cutline` command line: parses the command line with yargs and runs one command module.
import yargs from 'yargs';
import { commands } from './commands.js';
import { reportError } from './command.js';
import { CutlineError } from '../errors.js';
import { cutlineVersion } from '../version.js';
import { withLogLevelOptions } from './log-level.js';

export async function main(argv: readonly string[]): Promise<number> {
  const parser = withLogLevelOptions(yargs([...argv]))
    .scriptName('cutline')
    .usage('$0 <command> [options]\n\nHot backups of partitioned log engines that restore correctly and prove why.')
    .command(commands as never)
    .demandCommand(1, 'Name a command; `cutline --help` lists them.')
    .strict()
    .recommendCommands()
    .option('verbose', {
      type: 'boolean',
      default: false,
      global: true,
      describe: 'Print debug lines (= --log-level debug), and on failure the stack trace too (for a bug report)',
    })
    .help()
    .alias('h', 'help')
    // `cutline completion >> ~/.bashrc` (or ~/.zshrc): tab completion of commands and options.
    .completion('completion', 'Print a bash or zsh completion script for cutline')
    // Left to itself, yargs reads the package.json of the directory holding the node_modules that holds
    // yargs: the host project's when cutline is installed as a dependency and yargs is hoisted (issue 19).
    .version(cutlineVersion)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new CutlineError('USAGE', message, { hint: 'Run the command with --help to see its options.' });
    });
  try {
    await parser.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, undefined, { verbose: argv.includes('--verbose'), json: argv.includes('--json') });
  }
}
