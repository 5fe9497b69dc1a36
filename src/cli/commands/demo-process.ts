// The demo's child processes: each step is the real `cutline` executable, shown as an operator types it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CutlineError } from '../../errors.js';
import { commandOutput, type CommandOutput } from '../command-output.js';

const engineStartTimeoutMs = 30_000;
const engineStopTimeoutMs = 30_000;

/** dist/cli/bin.js of this package, found from this file whether it runs from src/ or dist/. */
export function cutlineBinPath(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new CutlineError('INTERNAL', 'cannot find the cutline package root');
    directory = parent;
  }
  const bin = join(directory, 'dist', 'cli', 'bin.js');
  if (!existsSync(bin))
    throw new CutlineError('USAGE', `${bin} does not exist`, { hint: 'Build the CLI first: npm run build (npm ci does it).' });
  return bin;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');
}

function spawnCutline(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [cutlineBinPath(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface StepOptions {
  /** Do not show the step's output (JSON the demo reads); its command line is shown all the same. */
  readonly quiet?: boolean;
  /** The step repeats the one just shown (a poll): its command line is not shown again. */
  readonly repeat?: boolean;
  /** Where the command line and the output go: text on stdout unless the demo runs with --json or a log level. */
  readonly out?: CommandOutput;
}

const textOutput: CommandOutput = commandOutput({ json: false, level: 'info' });

/**
 * Runs one CLI step to completion and returns its standard output. Every step's command line is shown
 * as typed, the quiet ones too: the demo promises an operator can retype each step.
 */
export async function runStep(args: readonly string[], options: StepOptions = {}): Promise<string> {
  const out = options.out ?? textOutput;
  const command = `cutline ${args.join(' ')}`;
  if (options.repeat !== true) out(`  $ ${command}`, { event: 'command', command });
  const child = spawnCutline(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  if (options.quiet !== true && stdout.length > 0) out(indent(stdout), { event: 'output', command, output: stdout });
  if (exitCode !== 0) {
    throw new CutlineError('DEMO_STEP_FAILED', `demo step \`cutline ${args.join(' ')}\` exited with ${exitCode}: ${stderr.trim()}`);
  }
  return stdout;
}

export interface RunningEngine {
  /** The management API's base URL, when the engine serves one. */
  readonly apiUrl: string;
  /** Sends SIGINT and waits for the clean shutdown. */
  stop(): Promise<void>;
}

/** Starts `cutline engine start ...` in the background and resolves once it says it started. */
export async function startEngine(args: readonly string[], out: CommandOutput = textOutput): Promise<RunningEngine> {
  const command = `cutline ${args.join(' ')}`;
  out(`  $ ${command} &`, { event: 'command', command, background: true });
  const child = spawnCutline(args);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  let apiUrl = '';
  const started = new Promise<void>((resolveStarted, reject) => {
    const resolve = (): void => {
      clearTimeout(timer);
      resolveStarted();
    };
    const timer = setTimeout(
      () => reject(new CutlineError('DEMO_STEP_FAILED', `the engine did not start within ${engineStartTimeoutMs} ms: ${stderr.trim()}`)),
      engineStartTimeoutMs,
    );
    lines.on('line', (line) => {
      if (!line.startsWith('processed ')) out(`    | ${line}`, { event: 'output', command, output: line });
      const api = /management API listening on (\S+)/.exec(line);
      if (api?.[1] !== undefined) apiUrl = api[1];
      const needsApi = args.includes('--api-port');
      if (/engine started/.test(line) && !needsApi) resolve();
      if (api !== null) resolve();
    });
    void exited.then((code) =>
      reject(new CutlineError('DEMO_STEP_FAILED', `the engine exited with ${code} before it started: ${stderr.trim()}`)),
    );
  });
  await started;
  return {
    apiUrl,
    stop: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), engineStopTimeoutMs);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new CutlineError('DEMO_STEP_FAILED', `the engine did not stop cleanly (exit ${code}): ${stderr.trim()}`);
    },
  };
}
