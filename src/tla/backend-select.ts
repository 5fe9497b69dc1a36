// Chooses the model-checking backend for `--backend auto|tlc|builtin`: the one place a new backend is wired in.
import { spawn } from 'node:child_process';
import type { ModelCheckBackend } from './backend.js';
import { TlcBackend } from './tlc-backend.js';
import { findTlcJar, type Environment } from './tlc-jar.js';
import { CutlineError } from '../errors.js';

export const backendChoices = ['auto', 'tlc', 'builtin'] as const;
export type BackendChoice = (typeof backendChoices)[number];

/** What selection needs from the machine; tests pass their own. */
export interface SelectionContext {
  readonly env: Environment;
  /** Resolves the jar path, or undefined when no jar is installed. */
  readonly findJar?: (env: Environment) => Promise<string | undefined>;
  readonly javaAvailable?: () => Promise<boolean>;
  /** The built-in checker, when this build has one. */
  readonly loadBuiltin?: () => Promise<ModelCheckBackend | undefined>;
}

/** The built-in checker (src/tla/builtin), imported on demand so TLC runs do not load the TLA+ grammar. */
export async function loadBuiltinBackend(): Promise<ModelCheckBackend | undefined> {
  const { builtinBackend } = await import('./builtin/index.js');
  return builtinBackend;
}

/** Whether `java -version` runs; TLC needs Java 11 or newer. */
export function javaOnPath(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('java', ['-version'], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

async function tlcBackend(context: SelectionContext): Promise<ModelCheckBackend | string> {
  const jar = await (context.findJar ?? findTlcJar)(context.env);
  if (jar === undefined) return 'no tla2tools.jar (set TLA2TOOLS_JAR or run `cutline model-check --install-tlc`)';
  if (!(await (context.javaAvailable ?? javaOnPath)())) return `found ${jar} but no java on the PATH`;
  return new TlcBackend({ jarPath: jar });
}

async function builtinBackend(context: SelectionContext): Promise<ModelCheckBackend | string> {
  const builtin = await (context.loadBuiltin ?? loadBuiltinBackend)();
  return builtin ?? 'the built-in checker is not part of this build';
}

/**
 * The backend for a choice. `auto` prefers TLC, the reference checker, when a jar and Java
 * are present, and otherwise the built-in checker.
 */
export async function selectBackend(choice: BackendChoice, context: SelectionContext): Promise<ModelCheckBackend> {
  const order = choice === 'auto' ? [tlcBackend, builtinBackend] : choice === 'tlc' ? [tlcBackend] : [builtinBackend];
  const reasons: string[] = [];
  for (const candidate of order) {
    const backend = await candidate(context);
    if (typeof backend !== 'string') return backend;
    reasons.push(backend);
  }
  throw new CutlineError(
    'MODEL_CHECK_NO_BACKEND',
    `no model-checking backend is available for --backend ${choice}: ${reasons.join('; ')}`,
    {
      hint: 'Set TLA2TOOLS_JAR to a tla2tools.jar (Java 11+ on the PATH), or run `cutline model-check --install-tlc` where the internet is reachable.',
    },
  );
}
