// Packs cutline, installs the tarball as a user would (plain `npm install`, and `npm install -g`), and runs it from there.
// Usage: node scripts/pack-install-check.mjs [--keep] (npm run pack-check; --keep leaves the temporary directory).
// Issue 19: the repository's own installs hid what a user's install does (its .npmrc did not travel
// with the package), so this installs in a fresh directory with no project .npmrc, no flags, and none
// of the npm_config_* variables `npm run` exports. On a machine that reaches only the npm registry it
// also shows that every install script copes without GitHub (better-sqlite3 then compiles from source).
/* global process, console, URL, setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ourVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const hostVersion = '9.8.7';
const keep = process.argv.includes('--keep');
const installTimeoutMs = 600_000;
const runTimeoutMs = 120_000;
/** Files the installed CLI cannot work without, and the documentation the README links; the packed tarball must hold each. */
const documentation = [
  'README.md',
  'FORMAT.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const requiredFiles = [
  'package.json',
  'dist/cli/bin.js',
  'grammar/tree-sitter-tlaplus.wasm',
  'grammar/LICENSE',
  'spec/models.json',
  ...documentation,
];
/** A model of spec/ that the built-in checker settles in about a second (its counterexample has 9 states). */
const quickModel = 'CheckpointProtocolNoPiggyback';

const environment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_(config|package|lifecycle)_/i.test(name) && name !== 'INIT_CWD'),
);

class CheckFailed extends Error {}

/** Runs a command to completion; resolves with its exit code and output, never rejects on a non-zero exit. */
function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : `killed by ${signal} (timeout ${options.timeoutMs} ms?)`), stdout, stderr });
    });
  });
}

function tail(text, lines = 30) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs one step, prints its time, and fails unless it exits 0 and its output passes `expect`. */
async function step(name, command, args, options, expect = () => undefined) {
  const startedMs = Date.now();
  const result = await run(command, args, options);
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  const problem = result.code !== 0 ? `exited with ${result.code}` : expect(result.stdout);
  if (problem !== undefined) {
    throw new CheckFailed(
      `${name}: ${problem}\n$ ${[command, ...args].join(' ')}  (in ${options.cwd})\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`,
    );
  }
  console.log(`ok   ${name} (${seconds} s)`);
  return result.stdout;
}

function printsVersion(stdout) {
  return stdout.trim() === ourVersion ? undefined : `printed ${JSON.stringify(stdout.trim())}, not cutline's version ${ourVersion}`;
}

function contains(text) {
  return (stdout) => (stdout.includes(text) ? undefined : `its output lacks ${JSON.stringify(text)}`);
}

async function check(work) {
  const host = join(work, 'host');
  const globalPrefix = join(work, 'global');
  mkdirSync(host);
  mkdirSync(globalPrefix);
  // A host project with a version of its own: `cutline --version` once printed it (issue 19).
  writeFileSync(
    join(host, 'package.json'),
    `${JSON.stringify({ name: 'cutline-pack-check-host', version: hostVersion, private: true }, null, 2)}\n`,
  );

  await step(
    'npm config of the host project has legacy-peer-deps off',
    'npm',
    ['config', 'get', 'legacy-peer-deps'],
    { cwd: host, timeoutMs: runTimeoutMs },
    (stdout) =>
      stdout.trim() === 'false'
        ? undefined
        : 'legacy-peer-deps is on in this environment, which would hide the failure this check exists for',
  );
  // `prepare` builds dist/ first, so the tarball holds what the sources say now.
  const packed = JSON.parse(
    await step('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], { cwd: root, timeoutMs: installTimeoutMs }),
  );
  const files = new Set(packed[0].files.map((file) => file.path));
  const missing = requiredFiles.filter((file) => !files.has(file));
  if (missing.length > 0) throw new CheckFailed(`the tarball lacks ${missing.join(', ')}`);
  const tarball = join(work, packed[0].filename);
  console.log(`     ${packed[0].filename}: ${packed[0].entryCount} files, ${(packed[0].size / 1024).toFixed(0)} KiB`);

  // Both installs may compile better-sqlite3 (no prebuilt binary without GitHub): side by side they take the time of one.
  await Promise.all([
    step('npm install <tarball> in a fresh project', 'npm', ['install', tarball], { cwd: host, timeoutMs: installTimeoutMs }),
    step('npm install -g --prefix <dir> <tarball>', 'npm', ['install', '-g', '--prefix', globalPrefix, tarball], {
      cwd: work,
      timeoutMs: installTimeoutMs,
    }),
  ]);

  // `--no`: never fetch cutline from the registry; `--`: the rest goes to cutline, not to npx.
  const npx = (args) => ['--no', '--', 'cutline', ...args];
  await step('npx cutline --version', 'npx', npx(['--version']), { cwd: host, timeoutMs: runTimeoutMs }, printsVersion);
  await step(
    `npx cutline model-check --model ${quickModel}`,
    'npx',
    npx(['model-check', '--model', quickModel]),
    { cwd: host, timeoutMs: runTimeoutMs },
    contains('all outcomes as expected'),
  );
  await step(
    'npx cutline demo',
    'npx',
    npx(['demo']),
    { cwd: host, timeoutMs: runTimeoutMs },
    contains('Done: a hot backup taken under load'),
  );

  const globalBin = join(globalPrefix, 'bin', 'cutline');
  await step('cutline --version (global install)', globalBin, ['--version'], { cwd: work, timeoutMs: runTimeoutMs }, printsVersion);
  await step(
    `cutline model-check --model ${quickModel} (global install)`,
    globalBin,
    ['model-check', '--model', quickModel],
    { cwd: work, timeoutMs: runTimeoutMs },
    contains('all outcomes as expected'),
  );
}

const startedMs = Date.now();
const work = mkdtempSync(join(tmpdir(), 'cutline-pack-check-'));
let failed = false;
try {
  await check(work);
  console.log(`pack-install check passed in ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
} catch (error) {
  failed = true;
  console.error(
    `pack-install check FAILED after ${((Date.now() - startedMs) / 1000).toFixed(0)} s: ${error instanceof CheckFailed ? error.message : error}`,
  );
} finally {
  if (keep || failed) console.error(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
