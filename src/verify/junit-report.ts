// The JUnit XML rendering of a verify-backup report: one test case per check per partition, so CI systems show it natively.
import { checkOf, skipKey, type BackupVerification, type Finding, type VerifyReport } from './findings.js';

interface TestCase {
  readonly name: string;
  readonly failures: readonly Finding[];
  readonly skipped: boolean;
}

/**
 * One test suite per backup id with one test case per (partition, check); a case fails with every
 * finding of its check on that partition. Findings about no partition (the backup as a whole) form
 * a `backup: manifest` case.
 */
export function renderJunit(report: VerifyReport): string {
  const suites = report.backups.map((backup) => suite(`backup ${backup.backupId}`, casesOf(backup)));
  if (report.findings.length > 0 || report.backups.length === 0)
    suites.push(suite('store', [{ name: 'backups to verify', failures: report.findings, skipped: false }]));
  const tests = suites.reduce((sum, entry) => sum + entry.tests, 0);
  const failures = suites.reduce((sum, entry) => sum + entry.failures, 0);
  const name = `cutline verify-backup --level ${report.level} ${report.store}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escapeXml(name)}" tests="${tests}" failures="${failures}">\n${suites.map((entry) => entry.xml).join('')}</testsuites>\n`;
}

function casesOf(backup: BackupVerification): TestCase[] {
  const cases: TestCase[] = [];
  const whole = backup.findings.filter((finding) => finding.partitionId === undefined);
  if (whole.length > 0) cases.push({ name: 'backup: manifest', failures: whole, skipped: false });
  for (const partitionId of backup.partitionIds) {
    for (const check of backup.checks) {
      const failures = backup.findings.filter((finding) => finding.partitionId === partitionId && checkOf(finding.code) === check);
      cases.push({
        name: `partition ${partitionId}: ${check}`,
        failures,
        skipped: failures.length === 0 && backup.skipped.includes(skipKey(partitionId, check)),
      });
    }
  }
  return cases;
}

function suite(name: string, cases: readonly TestCase[]): { xml: string; tests: number; failures: number } {
  const failures = cases.filter((entry) => entry.failures.length > 0).length;
  const skipped = cases.filter((entry) => entry.skipped).length;
  const body = cases.map((entry) => testCase(name, entry)).join('');
  return {
    xml: `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">\n${body}  </testsuite>\n`,
    tests: cases.length,
    failures,
  };
}

function testCase(suiteName: string, entry: TestCase): string {
  const open = `    <testcase classname="${escapeXml(`cutline.verify-backup.${suiteName.replace(/ /g, '-')}`)}" name="${escapeXml(entry.name)}"`;
  if (entry.failures.length > 0) {
    const codes = [...new Set(entry.failures.map((finding) => finding.code))].join(', ');
    const text = entry.failures
      .map((finding) => `${finding.code}${finding.path === undefined ? '' : ` ${finding.path}`}: ${finding.message}`)
      .join('\n');
    return `${open}>\n      <failure type="${escapeXml(codes)}" message="${escapeXml(`${entry.failures.length} finding(s): ${codes}`)}">${escapeXml(text)}</failure>\n    </testcase>\n`;
  }
  if (entry.skipped)
    return `${open}>\n      <skipped message="not run: it needs the backup to pass a check that failed (see the failures)"/>\n    </testcase>\n`;
  return `${open}/>\n`;
}

/** Escapes text for XML attributes and content, and drops characters XML 1.0 cannot hold at all. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
