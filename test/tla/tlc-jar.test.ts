// Installing TLC: download from a loopback server, SHA-256 check, and the jar lookup order.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cachedJarPath, findTlcJar, installTlcJar, pinnedTlc } from '../../src/tla/tlc-jar.js';
import { main } from '../../src/cli/main.js';
import { errorCodes } from '../../src/error-codes.js';

const fakeJar = Buffer.from('PK\u0003\u0004 not really tla2tools, just bytes to hash');
const fakeSha = createHash('sha256').update(fakeJar).digest('hex');

let server: Server;
let base: string;
let scratch: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/tla2tools.jar') {
      response.writeHead(200, { 'content-type': 'application/java-archive', 'content-length': fakeJar.byteLength });
      response.end(fakeJar);
    } else {
      response.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  scratch = await mkdtemp(join(tmpdir(), 'cutline-tlc-jar-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(scratch, { recursive: true, force: true });
});

describe('installTlcJar', () => {
  it('installs a download whose SHA-256 matches', async () => {
    const destination = join(scratch, 'ok', 'tla2tools.jar');
    const installed = await installTlcJar({ url: `${base}/tla2tools.jar`, sha256: fakeSha, destination });
    expect(installed).toEqual({ path: destination, sizeBytes: fakeJar.byteLength });
    expect(await readFile(destination)).toEqual(fakeJar);
  });

  it('rejects a download whose SHA-256 differs and leaves no file behind', async () => {
    const destination = join(scratch, 'bad', 'tla2tools.jar');
    await expect(installTlcJar({ url: `${base}/tla2tools.jar`, sha256: pinnedTlc.sha256, destination })).rejects.toMatchObject({
      code: 'TLC_INSTALL_FAILED',
      message: `the file at ${base}/tla2tools.jar has SHA-256 ${fakeSha}, expected ${pinnedTlc.sha256}; it was not installed`,
    });
    expect(existsSync(destination)).toBe(false);
    expect(existsSync(join(scratch, 'bad'))).toBe(false);
  });

  it('reports an HTTP error and an unreachable server', async () => {
    const destination = join(scratch, 'missing', 'tla2tools.jar');
    await expect(installTlcJar({ url: `${base}/nope.jar`, sha256: fakeSha, destination })).rejects.toMatchObject({
      code: 'TLC_INSTALL_FAILED',
      message: `downloading ${base}/nope.jar answered HTTP 404`,
    });
    await expect(installTlcJar({ url: 'http://127.0.0.1:1/tla2tools.jar', sha256: fakeSha, destination })).rejects.toMatchObject({
      code: 'TLC_INSTALL_FAILED',
    });
  });
});

describe('findTlcJar', () => {
  it('prefers TLA2TOOLS_JAR, then the cache, and fails loudly on a wrong TLA2TOOLS_JAR', async () => {
    const cacheDirectory = join(scratch, 'cache');
    const env = { CUTLINE_CACHE_DIR: cacheDirectory };
    expect(await findTlcJar(env)).toBeUndefined();
    await installTlcJar({ url: `${base}/tla2tools.jar`, sha256: fakeSha, destination: cachedJarPath(env) });
    expect(await findTlcJar(env)).toBe(join(cacheDirectory, `tla2tools-${pinnedTlc.version}.jar`));
    const explicit = join(scratch, 'explicit.jar');
    await writeFile(explicit, fakeJar);
    expect(await findTlcJar({ ...env, TLA2TOOLS_JAR: explicit })).toBe(explicit);
    await expect(findTlcJar({ ...env, TLA2TOOLS_JAR: join(scratch, 'absent.jar') })).rejects.toMatchObject({ code: 'TLC_NOT_FOUND' });
  });
});

describe('cutline model-check --install-tlc', () => {
  it('refuses the fake jar because it is not the pinned release, and exits with TLC_INSTALL_FAILED', async () => {
    const cacheDirectory = join(scratch, 'cli-cache');
    const saved = { url: process.env['CUTLINE_TLC_URL'], cache: process.env['CUTLINE_CACHE_DIR'] };
    process.env['CUTLINE_TLC_URL'] = `${base}/tla2tools.jar`;
    process.env['CUTLINE_CACHE_DIR'] = cacheDirectory;
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    try {
      const exitCode = await main(['model-check', '--install-tlc']);
      expect(exitCode).toBe(errorCodes.TLC_INSTALL_FAILED.exitCode);
      expect(written.join('')).toContain(`error [TLC_INSTALL_FAILED]: the file at ${base}/tla2tools.jar has SHA-256 ${fakeSha}`);
      expect(existsSync(cacheDirectory) ? await readdir(cacheDirectory) : []).toEqual([]);
    } finally {
      spy.mockRestore();
      for (const [name, value] of [
        ['CUTLINE_TLC_URL', saved.url],
        ['CUTLINE_CACHE_DIR', saved.cache],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
