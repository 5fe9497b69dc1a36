// `cutline engine`: the parent of the engine's subcommands (start; later options such as --store join start).
import type { Argv, CommandModule } from 'yargs';
import { engineStartCommand } from './engine-start.js';

export const engineCommand: CommandModule = {
  command: 'engine <command>',
  describe: 'Run the partitioned log engine',
  builder: (yargs: Argv) =>
    yargs.command(engineStartCommand as CommandModule).demandCommand(1, 'Name an engine subcommand; `cutline engine --help` lists them.'),
  handler: () => {},
};
