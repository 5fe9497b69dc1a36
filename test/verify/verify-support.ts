// Shared helpers of the verify-backup tests: running the CLI in-process, and broken copies of the golden backup in temporary directories.
import { vi } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { goldenDirectory } from '../../fixtures/generate.js';
import { deriveBroken, type BrokenFixture } from '../../fixtures/broken-fixtures.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cutline ...argv` in this process, capturing its output and exit code. */
export async function runCli(argv: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/** A broken copy of the golden backup in a fresh directory under `root`. */
export async function brokenCopy(fixture: BrokenFixture, root: string): Promise<string> {
  const directory = await mkdtemp(join(root, `${fixture.name}-`));
  await deriveBroken(fixture, goldenDirectory, directory);
  return directory;
}

/** The finding codes of a JSON report. */
export function codesOf(json: string): string[] {
  const report = JSON.parse(json) as { findings: { code: string }[]; backups: { findings: { code: string }[] }[] };
  return [...report.findings, ...report.backups.flatMap((backup) => backup.findings)].map((finding) => finding.code);
}
