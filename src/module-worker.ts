// Starting a worker thread from one of cutline's own ES modules, built (dist/*.js) or from source (*.ts under tsx or vitest).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker running `moduleUrl`. The built CLI runs its .js modules directly. Tests, benchmarks and
 * `tsx` scripts run the .ts sources, which a worker cannot load on Node 20 by itself (neither the
 * parent's loader hooks nor `--import` reach workers there), so the worker first registers tsx's
 * ESM loader in its own thread and then imports the module. tsx is a development dependency: only
 * source runs take that path.
 */
export function startModuleWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { execArgv: withoutTsxLoader(process.execArgv), ...options });
  const bootstrap = [
    `import(${JSON.stringify(tsxEsmApiUrl())})`,
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`,
    // An error thrown here becomes the worker's 'error' event, as a failing import would.
    `.catch((error) => { setImmediate(() => { throw error; }); });`,
  ].join('');
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * The parent's Node options without tsx's loader (`--import tsx`, `--require .../tsx/...`): a worker
 * inherits them, and on a built module they only put tsx's hooks in front of every import of the
 * thread (a restore started from a `tsx` script ran its check threads about 40% slower).
 */
export function withoutTsxLoader(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  const isTsx = (value: string | undefined): boolean => value !== undefined && (value === 'tsx' || /[/\\]tsx[/\\]/.test(value));
  for (let index = 0; index < execArgv.length; index++) {
    const arg = execArgv[index] ?? '';
    const inline = /^--(?:import|require|loader|experimental-loader)=(.*)$/.exec(arg);
    if (inline !== null && isTsx(inline[1])) continue;
    if (/^(?:--import|--require|-r|--loader|--experimental-loader)$/.test(arg) && isTsx(execArgv[index + 1])) {
      index++;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

let tsxApi: string | undefined;

/** The file URL of tsx's ESM API module (its package exports say where; `require.resolve` would give the CommonJS one). */
function tsxEsmApiUrl(): string {
  if (tsxApi !== undefined) return tsxApi;
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } } | undefined>;
  };
  const entry = manifest.exports?.['./esm/api']?.import?.default;
  if (entry === undefined) throw new Error(`tsx at ${dirname(packageJson)} exports no ESM API (./esm/api); run the built CLI instead`);
  tsxApi = pathToFileURL(join(dirname(packageJson), entry)).href;
  return tsxApi;
}
