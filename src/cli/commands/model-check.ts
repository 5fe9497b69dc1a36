// `cutline model-check`: checks the TLA+ models of spec/ with TLC or the built-in checker, or installs TLC.
import type { Argv, CommandModule } from 'yargs';
import { CutlineError } from '../../errors.js';
import {
  backendChoices,
  checkModels,
  checkSpec,
  checkTrace,
  defaultModelsPath,
  installPinnedTlc,
  pinnedTlc,
  type BackendChoice,
} from '../../tla/model-check.js';

interface ModelCheckArgs {
  module?: string;
  model?: string;
  all?: boolean;
  backend: BackendChoice;
  json: boolean;
  'install-tlc': boolean;
  models: string;
  workers: number;
  trace?: string;
  settled: boolean;
  spec?: string;
  cfg?: string;
}

export const modelCheckCommand: CommandModule<object, ModelCheckArgs> = {
  command: 'model-check [module]',
  describe: 'Check the TLA+ models of spec/ and compare each outcome with the expected one, or check one spec as TLC does',
  builder: (yargs: Argv) =>
    yargs
      .positional('module', {
        type: 'string',
        describe: 'Check this .tla module with its .cfg (--cfg, default the .cfg beside it) as TLC would, with TLC exit codes',
      })
      .option('model', { type: 'string', describe: 'Check one model by its name in spec/models.json' })
      .option('all', { type: 'boolean', describe: 'Check every model in spec/models.json' })
      .option('backend', {
        choices: backendChoices,
        default: 'auto',
        describe: 'TLC, the built-in checker, or auto (TLC when a jar and Java are present)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' })
      .option('install-tlc', {
        type: 'boolean',
        default: false,
        describe: `Download tla2tools.jar ${pinnedTlc.version} into the cache and verify its SHA-256`,
      })
      .option('models', { type: 'string', default: defaultModelsPath(), describe: 'The models.json to read' })
      .option('workers', { type: 'number', default: 1, describe: 'Worker threads for the checker' })
      .option('trace', {
        type: 'string',
        describe: 'Validate this protocol trace (NDJSON from `engine start --trace`) against the spec instead of checking models',
      })
      .option('settled', {
        type: 'boolean',
        default: false,
        describe:
          'With --trace: the run stopped settled (`engine start` says so on its stopping line), so its end is checked too: every record processed, every command received',
      })
      .option('spec', { type: 'string', describe: 'With --trace: the trace spec module (default spec/CheckpointProtocolTrace.tla)' })
      // Not --config, which names cutline's config file everywhere else; --config stays accepted here.
      .option('cfg', {
        alias: 'config',
        type: 'string',
        describe: 'With a module or --trace: its TLC .cfg (default: the .cfg beside the module or --spec); --config is its old name',
      })
      .conflicts('model', 'all')
      .conflicts('trace', ['model', 'all'])
      .conflicts('module', ['model', 'all', 'trace'])
      .example('$0 model-check --all', 'Check every model; exit 0 only when each has its expected outcome')
      .example('$0 model-check Spec.tla --cfg Spec.cfg --json', 'Check one spec without a models.json; exit 12 on a violated invariant')
      .example('$0 model-check --model CheckpointProtocolNoPiggyback --json', "Print one model's counterexample as JSON")
      .example(
        '$0 model-check --trace run.ndjson',
        'Check that an engine run is a behaviour of the spec; exit 1 names the first event it does not allow',
      )
      .example(
        '$0 model-check --trace run.ndjson --settled',
        'The same, for a run that stopped settled: its end is checked too',
      ) as unknown as Argv<ModelCheckArgs>,
  handler: async (args) => {
    if (args['install-tlc']) {
      await installPinnedTlc(args.json);
      if (args.model === undefined && args.all !== true) return;
    }
    if (args.trace !== undefined) {
      await checkTrace({ trace: args.trace, spec: args.spec, config: args.cfg, json: args.json, settled: args.settled });
      return;
    }
    if (args.settled) throw new CutlineError('USAGE', '--settled goes with --trace', { hint: 'It says how a traced run ended.' });
    if (args.module !== undefined) {
      if (args.spec !== undefined) throw new CutlineError('USAGE', '--spec goes with --trace; name the module to check alone');
      const request = { specPath: args.module, configPath: args.cfg, backend: args.backend, workers: args.workers, json: args.json };
      process.exitCode = await checkSpec(request, (text) => process.stdout.write(text));
      return;
    }
    if (args.spec !== undefined || args.cfg !== undefined)
      throw new CutlineError('USAGE', '--spec goes with --trace, --cfg with --trace or a module (model-check Spec.tla --cfg Spec.cfg)', {
        hint: 'Models are chosen with --model or --all from spec/models.json.',
      });
    await checkModels({
      model: args.model,
      all: args.all === true,
      modelsPath: args.models,
      backend: args.backend,
      workers: args.workers,
      json: args.json,
    });
  },
};
