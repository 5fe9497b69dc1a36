// Finds tla2tools.jar (TLA2TOOLS_JAR or cutline's cache) and installs the pinned release with its SHA-256 checked.
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CutlineError } from '../errors.js';
import { tlcJarBytesMax } from '../limits.js';

/** The TLC release cutline pins: the latest stable TLA+ tools release, v1.7.4 (TLC 2.19). */
export const pinnedTlc = {
  version: '1.7.4',
  url: 'https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar',
  sha256: '936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88',
} as const;

export type Environment = Readonly<Record<string, string | undefined>>;

/** The directory cutline caches tools in: $CUTLINE_CACHE_DIR, else $XDG_CACHE_HOME/cutline, else ~/.cache/cutline. */
export function cacheDirectory(env: Environment): string {
  const explicit = env['CUTLINE_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'cutline');
}

export function cachedJarPath(env: Environment): string {
  return join(cacheDirectory(env), `tla2tools-${pinnedTlc.version}.jar`);
}

async function readable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The jar to run: TLA2TOOLS_JAR when set (it must exist: a wrong path is an error, not a
 * silent fallback), else the cached pinned release, else undefined.
 */
export async function findTlcJar(env: Environment): Promise<string | undefined> {
  const configured = env['TLA2TOOLS_JAR'];
  if (configured !== undefined && configured !== '') {
    if (await readable(configured)) return configured;
    throw new CutlineError('TLC_NOT_FOUND', `TLA2TOOLS_JAR names ${configured}, which does not exist or is not readable`, {
      hint: 'Point TLA2TOOLS_JAR at a tla2tools.jar, or unset it and run `cutline model-check --install-tlc`.',
    });
  }
  const cached = cachedJarPath(env);
  return (await readable(cached)) ? cached : undefined;
}

export interface InstallOptions {
  readonly url: string;
  readonly sha256: string;
  readonly destination: string;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * Downloads the jar, checks its SHA-256 and moves it into place. The file appears under its
 * final name only after the checksum matched, so a cached jar is always a verified one.
 */
export async function installTlcJar(options: InstallOptions): Promise<{ path: string; sizeBytes: number }> {
  const body = await download(options);
  const actual = createHash('sha256').update(body).digest('hex');
  if (actual !== options.sha256.toLowerCase()) {
    throw new CutlineError(
      'TLC_INSTALL_FAILED',
      `the file at ${options.url} has SHA-256 ${actual}, expected ${options.sha256}; it was not installed`,
      {
        hint: 'The download was altered or the pinned release changed; do not use it. Set TLA2TOOLS_JAR to a jar you trust.',
      },
    );
  }
  await mkdir(dirname(options.destination), { recursive: true });
  const temporary = `${options.destination}.tmp`;
  try {
    await writeFile(temporary, body);
    await rename(temporary, options.destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path: options.destination, sizeBytes: body.byteLength };
}

async function download(options: InstallOptions): Promise<Uint8Array> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(options.url, options.signal === undefined ? {} : { signal: options.signal });
  } catch (error) {
    throw new CutlineError(
      'TLC_INSTALL_FAILED',
      `could not download ${options.url}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        hint: 'This needs internet access; elsewhere, copy tla2tools.jar over and set TLA2TOOLS_JAR.',
      },
    );
  }
  if (!response.ok) {
    throw new CutlineError('TLC_INSTALL_FAILED', `downloading ${options.url} answered HTTP ${response.status}`, {
      hint: 'Check the URL and your network; or copy tla2tools.jar over and set TLA2TOOLS_JAR.',
    });
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > tlcJarBytesMax) {
    throw new CutlineError('LIMIT_EXCEEDED', `${options.url} is ${declared} bytes, more than tlcJarBytesMax (${tlcJarBytesMax})`);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  if (body.byteLength > tlcJarBytesMax) {
    throw new CutlineError('LIMIT_EXCEEDED', `${options.url} sent ${body.byteLength} bytes, more than tlcJarBytesMax (${tlcJarBytesMax})`);
  }
  return body;
}
