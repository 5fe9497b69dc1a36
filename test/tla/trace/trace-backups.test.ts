// Trace validation of a run whose backups the real BackupManager takes: its backup-taken events are TakeBackup steps of the spec.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArrayTraceSink } from '../../../src/engine/trace-sink.js';
import { FileSystemBackupStore } from '../../../src/store/fs-backup-store.js';
import { validateTrace } from '../../../src/tla/trace/trace-validation.js';
import { openBackupTestCluster, takeBackupAndWait } from '../../support/backup-fixtures.js';
import { asLines } from './trace-runs.js';

const spec = {
  specPath: join(import.meta.dirname, '../../../spec/CheckpointProtocolTrace.tla'),
  configPath: join(import.meta.dirname, '../../../spec/CheckpointProtocolTrace.cfg'),
};

describe('trace validation with the backup manager', () => {
  it('accepts a run with two hot backups, each partition backup a backup-taken event the spec allows', async () => {
    const trace = new ArrayTraceSink();
    const store = new FileSystemBackupStore(mkdtempSync(join(tmpdir(), 'cutline-trace-store-')));
    const running = openBackupTestCluster(5, store, { trace, snapshotIntervalRecords: 0 });
    try {
      await running.manager.start(running.cluster);
      running.scheduler.run(120);
      expect((await takeBackupAndWait(running.cluster, running.manager, 1)).status).toBe('COMPLETED');
      running.scheduler.run(120);
      expect((await takeBackupAndWait(running.cluster, running.manager, 2)).status).toBe('COMPLETED');
      running.scheduler.settle();
      const taken = trace.events.filter((event) => event.event === 'backup-taken');
      expect(taken).toHaveLength(6);
      const verdict = await validateTrace(asLines(trace.events), 'memory', spec);
      expect(verdict.rejection).toBeUndefined();
      expect(verdict.accepted).toBe(true);
    } finally {
      await running.manager.close();
      running.cluster.close();
    }
  });
});
