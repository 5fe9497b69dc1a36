// The client side of the management API for `cutline backup take|status|list|delete`: --api/CUTLINE_API, --json, and one request function.
import type { Argv } from 'yargs';
import { CutlineError } from '../errors.js';
import { errorCodes, type ErrorCode } from '../error-codes.js';
import { apiTokenEnvironmentVariable, readApiToken } from '../api/api-auth.js';
import { loadConfigFile, withConfigOption, type ConfigArguments, type ConfigFile } from './config-file.js';
import { resolveSetting, textSetting } from './settings.js';

export const apiEnvironmentVariable = 'CUTLINE_API';

export interface ApiArguments extends ConfigArguments {
  readonly api: string | undefined;
  readonly json: boolean;
}

/** Adds --api, --config and --json to a command that talks to a running engine. */
export function withApiOptions<T>(yargs: Argv<T>): Argv<T & ApiArguments> {
  return withConfigOption(yargs)
    .option('api', {
      type: 'string',
      describe: `URL of the engine's management API, e.g. http://127.0.0.1:9600 [env ${apiEnvironmentVariable}]`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the API answer as JSON' });
}

/** Where the CLI's requests go, and the bearer token they carry. */
export interface ApiTarget {
  readonly url: string;
  readonly token: string | undefined;
}

/** The API URL and token from the flags, the environment and the config file (`api.url`, `api.token`). */
export function apiTargetFrom(argv: ApiArguments, environment: NodeJS.ProcessEnv = process.env): ApiTarget {
  const file = loadConfigFile(argv.config, environment);
  return { url: apiUrlFrom(argv, file, environment), token: readApiToken(environment, file) };
}

/** The API base URL from --api, CUTLINE_API or api.url in the config file; a USAGE error naming the source when missing or not http(s). */
function apiUrlFrom(argv: ApiArguments, file: ConfigFile | undefined, environment: NodeJS.ProcessEnv): string {
  const setting = resolveSetting('api.url', argv.api, environment, file);
  const value = textSetting(setting);
  const source = setting.where;
  if (value === undefined) {
    throw new CutlineError('USAGE', 'no management API is configured', {
      hint: `Pass --api http://host:port (or set ${apiEnvironmentVariable}, or api.url in the config file); \`cutline engine start --api-port P\` serves it.`,
    });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CutlineError('USAGE', `${source} is not a URL`, { hint: 'Give it as http://host:port.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CutlineError('USAGE', `${source} must be an http:// or https:// URL, not ${url.protocol}//`);
  // The value is not echoed when it carries user info: that is a secret.
  if (url.username !== '' || url.password !== '')
    throw new CutlineError('USAGE', `${source} contains user credentials`, {
      hint: `Give the token in ${apiTokenEnvironmentVariable} or api.token instead.`,
    });
  return url.href.replace(/\/+$/, '');
}

/**
 * One request; resolves with the JSON answer of a 2xx. An error answer {code, message, hint} becomes
 * the CutlineError it describes, so the CLI prints and exits exactly as if the error happened locally.
 * The engine's bearer token goes along when CUTLINE_API_TOKEN or api.token sets one (never as a flag: a
 * command line is visible to every user of the machine).
 */
export async function callApi(target: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const baseUrl = target.url;
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }),
  };
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CutlineError(
      'API_UNAVAILABLE',
      `cannot reach the management API at ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      {
        cause: error,
        hint: 'Check that the engine runs with --api-port and that --api (or CUTLINE_API) names it.',
      },
    );
  }
  const text = await response.text();
  let answer: unknown;
  try {
    answer = text === '' ? null : JSON.parse(text);
  } catch {
    throw new CutlineError(
      'API_UNAVAILABLE',
      `the management API at ${baseUrl} answered ${method} ${path} with HTTP ${response.status} and a body that is not JSON`,
    );
  }
  if (response.ok) return answer;
  const error = answer as { code?: unknown; message?: unknown; hint?: unknown } | null;
  const code = typeof error?.code === 'string' && error.code in errorCodes ? (error.code as ErrorCode) : 'API_UNAVAILABLE';
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status} from ${method} ${path}`;
  throw new CutlineError(code, message, typeof error?.hint === 'string' ? { hint: error.hint } : {});
}

/** Prints the value as indented JSON (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
