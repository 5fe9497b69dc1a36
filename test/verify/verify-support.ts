// Shared helpers of the verify-backup tests: the in-process CLI runner, and broken copies of the golden backup in temporary directories.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectory } from '../../fixtures/generate.js';
import { deriveBroken, type BrokenFixture } from '../../fixtures/broken-fixtures.js';

export { runCli, type CliRun } from '../support/run-cli.js';

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
