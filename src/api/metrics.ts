// GET /metrics: the engine's backup state in the Prometheus text exposition format (version 0.0.4).
import type { BackupManager } from '../backup/backup-manager.js';
import type { ContinuousBackups } from '../backup/continuous-backups.js';
import type { Cluster } from '../engine/cluster.js';
import type { StoreHealth } from '../store/store-health.js';

export const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsSources {
  readonly cluster: Cluster;
  readonly manager: BackupManager;
  readonly continuous?: ContinuousBackups | undefined;
  readonly storeHealth?: StoreHealth | undefined;
  readonly nowMs: number;
}

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly samples: readonly { readonly labels?: Readonly<Record<string, string>>; readonly value: number }[];
}

/**
 * Every metric family, each with HELP and TYPE lines; per-partition series for the partitions this node
 * runs. Counters count since the process started; the age of the newest completed backup comes from the
 * partition's own state (its BACKUP_CONFIRMED records), so it survives restarts.
 */
export function renderMetrics(sources: MetricsSources): string {
  return [...partitionFamilies(sources), ...storeFamilies(sources)].map(render).join('');
}

function partitionFamilies({ cluster, manager, nowMs }: MetricsSources): Family[] {
  const partitions = cluster.partitions();
  const label = (partitionId: number) => ({ partition: String(partitionId) });
  const counts = new Map(manager.counters.counts().map((count) => [count.partitionId, count]));
  const newest = partitions.flatMap((partition) => {
    const completed = partition
      .confirmedBackups()
      .filter((backup) => backup.status === 'COMPLETED' && backup.checkpointTimestampMs !== null);
    const last = completed.reduce<number | undefined>(
      (latest, backup) => Math.max(latest ?? 0, backup.checkpointTimestampMs ?? 0),
      undefined,
    );
    return last === undefined ? [] : [{ labels: label(partition.partitionId), last }];
  });
  const perPartition = (value: (partitionId: number) => number) =>
    partitions.map((partition) => ({ labels: label(partition.partitionId), value: value(partition.partitionId) }));
  return [
    {
      name: 'cutline_backups_completed_total',
      type: 'counter',
      help: 'Partition backups this process completed.',
      samples: perPartition((id) => counts.get(id)?.completed ?? 0),
    },
    {
      name: 'cutline_backups_failed_total',
      type: 'counter',
      help: 'Partition backups this process marked FAILED.',
      samples: perPartition((id) => counts.get(id)?.failed ?? 0),
    },
    {
      name: 'cutline_backups_in_progress',
      type: 'gauge',
      help: 'Partition backups being taken now.',
      samples: perPartition((id) => manager.takingCount(id)),
    },
    {
      name: 'cutline_backup_uploaded_bytes_total',
      type: 'counter',
      help: 'Bytes the completed backups of this process added to the store.',
      samples: perPartition((id) => counts.get(id)?.uploadedBytes ?? 0),
    },
    {
      name: 'cutline_backup_last_completed_timestamp_seconds',
      type: 'gauge',
      help: 'Checkpoint time of the newest COMPLETED backup of the partition (absent before the first).',
      samples: newest.map(({ labels, last }) => ({ labels, value: last / 1000 })),
    },
    {
      name: 'cutline_backup_last_completed_age_seconds',
      type: 'gauge',
      help: 'Seconds from the checkpoint of the newest COMPLETED backup to now: the data a restore would lose.',
      samples: newest.map(({ labels, last }) => ({ labels, value: Math.max(0, (nowMs - last) / 1000) })),
    },
    {
      name: 'cutline_checkpoint_id',
      type: 'gauge',
      help: 'Id of the newest checkpoint the partition processed (0 before the first).',
      samples: perPartition((id) => cluster.partition(id).state().checkpointId),
    },
    {
      name: 'cutline_checkpoint_position',
      type: 'gauge',
      help: 'Log position of that checkpoint record (0 before the first).',
      samples: perPartition((id) => cluster.partition(id).state().checkpointPosition),
    },
    {
      name: 'cutline_processed_position',
      type: 'gauge',
      help: 'Log position of the last record the partition processed.',
      samples: perPartition((id) => cluster.partition(id).state().lastProcessedPosition),
    },
  ];
}

function storeFamilies({ continuous, storeHealth }: MetricsSources): Family[] {
  const families: Family[] = [];
  if (storeHealth !== undefined) {
    const state = storeHealth.state();
    families.push(
      {
        name: 'cutline_store_up',
        type: 'gauge',
        help: 'Whether the last store call succeeded (1), failed (0), or none was made yet (absent).',
        samples: state.status === 'unknown' ? [] : [{ value: state.status === 'healthy' ? 1 : 0 }],
      },
      {
        name: 'cutline_store_errors_total',
        type: 'counter',
        help: 'Store calls that failed after their retries, by error code.',
        samples: [...storeHealth.failures()]
          .sort(([left], [right]) => left.localeCompare(right))
          .map(([code, value]) => ({ labels: { code }, value })),
      },
    );
  }
  if (continuous !== undefined) {
    families.push({
      name: 'cutline_retention_deleted_backups_total',
      type: 'counter',
      help: 'Backups retention deleted.',
      samples: [{ value: continuous.retentionDeleted }],
    });
  }
  return families;
}

function render(family: Family): string {
  const lines = [`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) lines.push(`${family.name}${labelsOf(sample.labels)} ${formatValue(sample.value)}`);
  return `${lines.join('\n')}\n`;
}

function labelsOf(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  // Label values escape backslash, double quote and newline (the exposition format's rules).
  const pairs = Object.entries(labels).map(
    ([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${pairs.join(',')}}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
