// `cutline config <command>`: the parent of the commands about configuration (show).
import type { Argv } from 'yargs';
import type { AnyCommand } from '../command.js';
import { configShowCommand } from './config-show.js';

export const configCommand: AnyCommand = {
  command: 'config <command>',
  describe: 'Show the settings every command resolves from flags, the environment and the config file',
  builder: (yargs: Argv) =>
    yargs
      .command([configShowCommand] as readonly AnyCommand[] as never)
      .demandCommand(1, 'Name a config command; `cutline config --help` lists them.'),
  handler: () => undefined,
};
