// Who may call the management API: a bearer token, required off loopback; from CUTLINE_API_TOKEN or the engine's config file, never logged.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { CutlineError } from '../errors.js';

export const apiTokenEnvironmentVariable = 'CUTLINE_API_TOKEN';
/** Where the token goes in the engine's --config file: {"api": {"token": "..."}}. */
export const apiTokenFileKey = 'api.token';

/** A token must be long enough not to be guessed, and fit an HTTP header as it is. */
const tokenLengthMin = 16;
const tokenLengthMax = 1024;
const tokenPattern = /^[\x21-\x7e]+$/;

const tokenHint = `Set ${apiTokenEnvironmentVariable} (or ${apiTokenFileKey} in the --config file) to a random secret of ${tokenLengthMin} to ${tokenLengthMax} visible ASCII characters, e.g. \`openssl rand -hex 32\`.`;

/** A config file as the CLI read it: its path and its values by dotted key (`api.token`). */
export interface ConfigValues {
  readonly path: string;
  readonly values: ReadonlyMap<string, unknown>;
}

/**
 * The token the API requires (or a client sends), from CUTLINE_API_TOKEN or else the config file; undefined
 * when neither sets one. Errors name the source and what is wrong, never the token.
 */
export function readApiToken(environment: NodeJS.ProcessEnv, file: ConfigValues | undefined): string | undefined {
  const fromEnvironment = environment[apiTokenEnvironmentVariable];
  if (fromEnvironment !== undefined && fromEnvironment !== '') return checkToken(fromEnvironment, apiTokenEnvironmentVariable);
  const token = file?.values.get(apiTokenFileKey);
  if (token === undefined || file === undefined) return undefined;
  if (typeof token !== 'string')
    throw new CutlineError('USAGE', `config file ${file.path} has an ${apiTokenFileKey} that is not a string`, { hint: tokenHint });
  return checkToken(token, `${apiTokenFileKey} in ${file.path}`);
}

function checkToken(token: string, source: string): string {
  if (token.length < tokenLengthMin || token.length > tokenLengthMax)
    throw new CutlineError(
      'USAGE',
      `${source} is ${token.length} characters long; an API token has ${tokenLengthMin} to ${tokenLengthMax}`,
      { hint: tokenHint },
    );
  if (!tokenPattern.test(token))
    throw new CutlineError(
      'USAGE',
      `${source} holds a character that is not visible ASCII (a space, a control character, a non-ASCII letter)`,
      { hint: tokenHint },
    );
  return token;
}

/** Whether an address to listen on reaches only this machine: 127.0.0.0/8, ::1 (also as ::ffff:127.x.x.x), and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    const lower = bare.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\.\d+\.\d+\.\d+$/.test(lower);
  }
  // Any other name may resolve to an address other machines reach.
  return false;
}

/**
 * Decides, before anything listens, whether the API may serve on `host`: with a token always (every
 * route then requires it); without one only on loopback, where only this machine can call it.
 * Off loopback without a token it is USAGE: anybody who reaches the port could take and delete backups.
 */
export function requireTokenOffLoopback(host: string, token: string | undefined): void {
  if (token !== undefined || isLoopbackHost(host)) return;
  throw new CutlineError('USAGE', `the management API would listen on ${host}, which other machines can reach, without authentication`, {
    hint: `${tokenHint} Or listen on loopback (--api-host 127.0.0.1, the default).`,
  });
}

/**
 * Whether an Authorization header carries the token. Both sides are hashed first, so the comparison
 * takes the same time whatever the header holds, its length included.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const offered = match?.[1] ?? '';
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(token)) && match !== null;
}
