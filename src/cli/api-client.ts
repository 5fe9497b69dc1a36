// The client side of the management API for `cutline backup take|status|list|delete`: --api/CUTLINE_API, --json, and one request function.
import type { Argv } from 'yargs';
import { CutlineError } from '../errors.js';
import { errorCodes, type ErrorCode } from '../error-codes.js';
import { apiTokenEnvironmentVariable } from '../api/api-auth.js';

export const apiEnvironmentVariable = 'CUTLINE_API';

export interface ApiArguments {
  readonly api: string | undefined;
  readonly json: boolean;
}

/** Adds --api and --json to a command that talks to a running engine. */
export function withApiOptions<T>(yargs: Argv<T>): Argv<T & ApiArguments> {
  return yargs
    .option('api', {
      type: 'string',
      describe: `URL of the engine's management API, e.g. http://127.0.0.1:9600 [env ${apiEnvironmentVariable}]`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the API answer as JSON' });
}

/** The API base URL from --api or CUTLINE_API; a USAGE error naming the source when missing or not http(s). */
export function apiUrlFrom(argv: ApiArguments, environment: NodeJS.ProcessEnv = process.env): string {
  const fromEnvironment = environment[apiEnvironmentVariable];
  const [value, source] =
    argv.api !== undefined ? [argv.api, '--api'] : [fromEnvironment === '' ? undefined : fromEnvironment, apiEnvironmentVariable];
  if (value === undefined) {
    throw new CutlineError('USAGE', 'no management API is configured', {
      hint: `Pass --api http://host:port (or set ${apiEnvironmentVariable}); \`cutline engine start --api-port P\` serves it.`,
    });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CutlineError('USAGE', `${source} is not a URL: ${JSON.stringify(value)}`, { hint: 'Give it as http://host:port.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CutlineError('USAGE', `${source} must be an http:// or https:// URL, not ${url.protocol}//`);
  return url.href.replace(/\/+$/, '');
}

/**
 * One request; resolves with the JSON answer of a 2xx. An error answer {code, message, hint} becomes
 * the CutlineError it describes, so the CLI prints and exits exactly as if the error happened locally.
 * The engine's bearer token goes along when CUTLINE_API_TOKEN is set (never as a flag: a command line
 * is visible to every user of the machine).
 */
export async function callApi(
  baseUrl: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<unknown> {
  const token = environment[apiTokenEnvironmentVariable];
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` }),
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
