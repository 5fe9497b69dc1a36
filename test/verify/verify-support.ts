// Shared helpers of the verify-backup tests: the in-process CLI runner, and broken copies of the golden backup in temporary directories.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectoryOf } from '../../fixtures/generate.js';
import { brokenFixtures, deriveBroken, type BrokenFixture } from '../../fixtures/broken-fixtures.js';
import { brokenV2Fixtures } from '../../fixtures/broken-v2-fixtures.js';

export { runCli } from '../support/run-cli.js';

/** Every broken fixture: those derived from golden/ (format v1), then those derived from golden-v2/. */
export const everyBrokenFixture: readonly BrokenFixture[] = [...brokenFixtures, ...brokenV2Fixtures];

/** A broken copy of the golden store the fixture derives from, in a fresh directory under `root`. */
export async function brokenCopy(fixture: BrokenFixture, root: string): Promise<string> {
  const directory = await mkdtemp(join(root, `${fixture.name}-`));
  await deriveBroken(fixture, goldenDirectoryOf(fixture), directory);
  return directory;
}

/** The finding codes of a JSON report. */
export function codesOf(json: string): string[] {
  const report = JSON.parse(json) as { findings: { code: string }[]; backups: { findings: { code: string }[] }[] };
  return [...report.findings, ...report.backups.flatMap((backup) => backup.findings)].map((finding) => finding.code);
}
