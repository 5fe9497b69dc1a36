// How one partition's backup ended: what the backup manager records and what reconcile confirms at start.
/** How one partition's backup ended, as the manager confirmed it. */
export interface BackupOutcome {
  readonly partitionId: number;
  readonly checkpointId: number;
  readonly status: 'COMPLETED' | 'FAILED';
  readonly reason: string | null;
}
