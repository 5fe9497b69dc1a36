// verify-backup for its caller (the CLI): the checks of backups or the ranges of a store, and each report rendered in the format asked for.
import type { BackupStore } from '../store/backup-store.js';
import { readPointInTimeListing } from '../restore/pitr-listing.js';
import { allFindings, type VerifyReport } from './findings.js';
import { renderJunit } from './junit-report.js';
import { renderJson, renderText } from './text-report.js';
import { rangesReport, renderRangesText, type RangesReport } from './ranges-report.js';

// What a caller needs besides the functions below, named here so that it has one place to look.
export { verifyBackups, type BackupSelection } from './verify-backup.js';
export { verifyLevels, type VerifyLevel, type VerifyReport } from './findings.js';
export { backupSummaryLines } from './text-report.js';
export type { RangesReport } from './ranges-report.js';

export const reportFormats = ['text', 'json', 'junit'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** The report of the checks as text, JSON or JUnit XML. */
export function renderReport(report: VerifyReport, format: ReportFormat): string {
  return format === 'json' ? renderJson(report) : format === 'junit' ? renderJunit(report) : renderText(report);
}

/** The findings of every backup the report holds: never 0 when anything is wrong. */
export function findingCount(report: VerifyReport): number {
  return allFindings(report).length;
}

/** Where a point-in-time restore can go, and the gaps: from the manifests and metadata.json only, no content. */
export async function readRangesReport(store: BackupStore): Promise<RangesReport> {
  return rangesReport(await readPointInTimeListing(store));
}

/** The ranges report as JSON, or else as text (JUnit has no form for it). */
export function renderRanges(report: RangesReport, format: ReportFormat): string {
  return format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderRangesText(report);
}
