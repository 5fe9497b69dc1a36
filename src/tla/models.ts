// spec/models.json: the list of models `cutline model-check` runs, its JSON Schema and a typed loader.
import { Ajv, type JSONSchemaType } from 'ajv';
import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CutlineError } from '../errors.js';

/** The state counts one checker reported for a model, kept so another checker can be compared. */
export interface ExpectedCounts {
  readonly distinctStates: number;
  readonly depth: number;
  /** Which checker reported these counts: "tlc" or "builtin". */
  readonly checker: 'tlc' | 'builtin';
}

export interface ModelEntry {
  readonly name: string;
  /** The root .tla module, relative to the directory of models.json. */
  readonly module: string;
  /** The TLC .cfg file, relative to the directory of models.json. */
  readonly config: string;
  readonly description: string;
  /** "pass", or the name of the invariant or property the model must violate. */
  readonly expected: string;
  readonly counts?: ExpectedCounts;
}

export interface ModelList {
  readonly version: 1;
  readonly models: readonly ModelEntry[];
}

/** A model with absolute paths, ready for a backend. */
export interface ResolvedModel extends ModelEntry {
  readonly specPath: string;
  readonly configPath: string;
}

const identifier = '^[A-Za-z_][A-Za-z0-9_]*$';

export const modelListSchema: JSONSchemaType<ModelList> = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'models'],
  properties: {
    version: { type: 'integer', const: 1 },
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'module', 'config', 'description', 'expected'],
        properties: {
          name: { type: 'string', pattern: identifier },
          module: { type: 'string', pattern: '^[A-Za-z0-9_]+\\.tla$' },
          config: { type: 'string', pattern: '^[A-Za-z0-9_]+\\.cfg$' },
          description: { type: 'string', minLength: 1 },
          expected: { type: 'string', pattern: identifier },
          counts: {
            type: 'object',
            nullable: true,
            additionalProperties: false,
            required: ['distinctStates', 'depth', 'checker'],
            properties: {
              distinctStates: { type: 'integer', minimum: 1 },
              depth: { type: 'integer', minimum: 1 },
              checker: { type: 'string', enum: ['tlc', 'builtin'] },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(modelListSchema);

/** The spec/ directory shipped with cutline (beside dist/ and src/). */
export function defaultModelsPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'spec', 'models.json');
}

/** Parses and checks a models.json text; `source` names the file in error messages. */
export function parseModelList(text: string, source: string): ModelList {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CutlineError('MODELS_INVALID', `${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath === '' ? '/' : e.instancePath} ${e.message ?? 'is invalid'}`);
    throw new CutlineError('MODELS_INVALID', `${source} does not match the models schema: ${problems.join('; ')}`, {
      hint: 'See src/tla/models.ts for the schema of spec/models.json.',
    });
  }
  const seen = new Set<string>();
  for (const model of data.models) {
    if (seen.has(model.name)) throw new CutlineError('MODELS_INVALID', `${source} lists model ${model.name} twice`);
    seen.add(model.name);
  }
  return data;
}

/** Loads models.json and resolves each model's files, failing on any file that is missing. */
export async function loadModels(path: string): Promise<ResolvedModel[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CutlineError('MODELS_INVALID', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const list = parseModelList(text, path);
  const directory = dirname(path);
  const resolved: ResolvedModel[] = [];
  for (const model of list.models) {
    const specPath = join(directory, model.module);
    const configPath = join(directory, model.config);
    for (const file of [specPath, configPath]) {
      try {
        await access(file);
      } catch {
        throw new CutlineError('MODELS_INVALID', `model ${model.name} in ${path} names ${file}, which does not exist`);
      }
    }
    resolved.push({ ...model, specPath, configPath });
  }
  return resolved;
}
