// The text and JSON renderings of a verify-backup report: one line per finding then a summary, or one JSON document.
import { allFindings, type Finding, type VerifyReport } from './findings.js';

/** `CODE partition=P path=... message` per finding, then one summary line per backup and a verdict. */
export function renderText(report: VerifyReport): string {
  const lines = [...allFindings(report).map(findingLine), ...backupSummaryLines(report)];
  const total = allFindings(report).length;
  lines.push(
    total === 0
      ? `verify-backup --level ${report.level}: ${report.backups.length} backup${report.backups.length === 1 ? '' : 's'} in ${report.store} verified, no findings`
      : `verify-backup --level ${report.level}: ${total} finding${total === 1 ? '' : 's'} in ${report.store}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * One line per backup: its partitions, checks and verdict. It is also the summary a CI log shows when the
 * report goes to a file (--output), so it is computed from the backup's own findings, never "OK" with one.
 */
export function backupSummaryLines(report: VerifyReport): string[] {
  return report.backups.map((backup) => {
    const partitions = backup.partitionIds.length;
    const verdict = backup.findings.length === 0 ? 'OK' : `${backup.findings.length} finding${backup.findings.length === 1 ? '' : 's'}`;
    const skipped = backup.skipped.length === 0 ? '' : `, ${backup.skipped.length} check${backup.skipped.length === 1 ? '' : 's'} skipped`;
    return `backup ${backup.backupId}: ${partitions} partition${partitions === 1 ? '' : 's'}, checks ${backup.checks.join(', ')}: ${verdict}${skipped}`;
  });
}

function findingLine(finding: Finding): string {
  const partition = finding.partitionId === undefined ? '' : ` partition=${finding.partitionId}`;
  const path = finding.path === undefined ? '' : ` path=${finding.path}`;
  return `${finding.code} backup=${finding.backupId}${partition}${path} ${finding.message}`;
}

/** The whole report as one JSON document: `ok`, the level, the store, and per backup its checks and findings. */
export function renderJson(report: VerifyReport): string {
  const findings = allFindings(report);
  return `${JSON.stringify({ ok: findings.length === 0, findingCount: findings.length, ...report }, null, 2)}\n`;
}
