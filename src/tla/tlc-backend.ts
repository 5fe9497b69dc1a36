// The TLC backend: runs `java -cp tla2tools.jar tlc2.TLC -tool` on a copy of the model and parses its output.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { CheckOptions, ModelCheckBackend, ModelCheckResult, ModelInput } from './backend.js';
import { parseTlcRun } from './tlc-result.js';
import { CutlineError } from '../errors.js';
import { tlcOutputBytesMax, tlcRunTimeoutMsDefault } from '../limits.js';

export interface TlcBackendOptions {
  readonly jarPath: string;
  /** The java executable; `java` on the PATH by default. */
  readonly javaPath?: string;
  readonly timeoutMs?: number;
  /** Extra JVM options, such as a heap size. */
  readonly jvmOptions?: readonly string[];
}

/** The arguments cutline passes to TLC; exported so a test can pin them. */
export function tlcArguments(jarPath: string, specFile: string, configFile: string, metaDirectory: string, workers: number): string[] {
  return [
    '-XX:+UseParallelGC',
    '-cp',
    jarPath,
    'tlc2.TLC',
    '-tool',
    '-config',
    configFile,
    '-workers',
    String(workers),
    '-metadir',
    metaDirectory,
    '-cleanup',
    specFile,
  ];
}

const configKeywords = new Set([
  'CONSTANT',
  'CONSTANTS',
  'INIT',
  'NEXT',
  'SPECIFICATION',
  'INVARIANT',
  'INVARIANTS',
  'PROPERTY',
  'PROPERTIES',
  'CONSTRAINT',
  'CONSTRAINTS',
  'ACTION_CONSTRAINT',
  'ACTION_CONSTRAINTS',
  'SYMMETRY',
  'VIEW',
  'CHECK_DEADLOCK',
  'POSTCONDITION',
  'ALIAS',
]);

/** The temporal properties the .cfg lists under PROPERTY or PROPERTIES, ignoring comments. */
export function configProperties(configText: string): string[] {
  const withoutComments = configText.replace(/\(\*[\s\S]*?\*\)/g, ' ').replace(/\\\*.*$/gm, ' ');
  const words = withoutComments.split(/\s+/).filter((word) => word !== '');
  const properties: string[] = [];
  let inProperties = false;
  for (const word of words) {
    if (configKeywords.has(word)) inProperties = word === 'PROPERTY' || word === 'PROPERTIES';
    else if (inProperties) properties.push(word);
  }
  return properties;
}

export class TlcBackend implements ModelCheckBackend {
  readonly name = 'tlc' as const;

  constructor(private readonly options: TlcBackendOptions) {}

  async check(model: ModelInput, options: CheckOptions = {}): Promise<ModelCheckResult> {
    // TLC writes trace-exploration specs and state files beside the spec; a scratch copy keeps spec/ clean.
    const scratch = await mkdtemp(join(tmpdir(), 'cutline-tlc-'));
    try {
      await copyModules(dirname(model.specPath), scratch);
      const configName = basename(model.configPath);
      await copyFile(model.configPath, join(scratch, configName));
      const configText = await readFile(model.configPath, 'utf8');
      const started = performance.now();
      const run = await this.runJava(scratch, basename(model.specPath), configName, options);
      return parseTlcRun({
        output: run.output,
        exitCode: run.exitCode,
        durationMs: Math.round(performance.now() - started),
        properties: configProperties(configText),
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  private runJava(
    directory: string,
    specFile: string,
    configFile: string,
    options: CheckOptions,
  ): Promise<{ output: string; exitCode: number | null }> {
    const java = this.options.javaPath ?? 'java';
    const args = [
      ...(this.options.jvmOptions ?? []),
      ...tlcArguments(this.options.jarPath, specFile, configFile, join(directory, 'states'), options.workers ?? 1),
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(java, args, { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: string[] = [];
      let kept = 0;
      const keep = (chunk: Buffer): void => {
        chunks.push(chunk.toString('utf8'));
        kept += chunk.byteLength;
        // Keep the end of a runaway transcript: the verdict and statistics come last.
        while (kept > tlcOutputBytesMax && chunks.length > 1) kept -= Buffer.byteLength(chunks.shift() ?? '');
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.timeoutMs ?? tlcRunTimeoutMsDefault);
      const abort = (): void => {
        child.kill('SIGKILL');
      };
      options.signal?.addEventListener('abort', abort, { once: true });
      child.on('error', (error) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
        reject(
          new CutlineError('MODEL_CHECK_FAILED', `could not start ${java}: ${error.message}`, {
            cause: error,
            hint: 'TLC needs Java 11 or newer on the PATH; or use --backend builtin.',
          }),
        );
      });
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
        resolve({ output: chunks.join(''), exitCode });
      });
    });
  }
}

/** Copies every .tla module beside the root module, since EXTENDS and INSTANCE look there. */
async function copyModules(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    if (name.endsWith('.tla')) await copyFile(join(from, name), join(to, name));
  }
}
