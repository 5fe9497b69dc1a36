// kill -9 of a real `cutline engine start` while a backup to s3rver runs behind a proxy that delays requests: COMPLETED backups stay whole, none is half visible, orphans are collected.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { listAll } from '../../src/store/backup-store.js';
import { parseChunkKey } from '../../src/backup/chunk-format.js';
import { collectChunks, referencedChunks } from '../../src/backup/chunk-collection.js';
import { listRetentionCandidates } from '../../src/backup/retention.js';
import { readBackupStatus } from '../../src/backup/backup-status.js';
import type { Manifest } from '../../src/backup/manifest.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { faultStore } from '../support/fault-stores.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { temporaryDirectory } from '../engine/helpers.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
/** How many kills the test makes; CUTLINE_KILL_RUNS raises it for a sweep. */
const kills = Number(process.env.CUTLINE_KILL_RUNS ?? 3);
/** Each kill starts a real engine process (from source): a sweep gets time in proportion. */
const timeoutMs = 60_000 + kills * 20_000;
const partitionCount = 2;
const prefix = 'slow';
let server: LoopbackS3;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startLoopbackS3();
  // Half the requests wait up to 400 ms: a backup takes a while, and a kill lands in one.
  proxy = await startFaultProxy(server.endpoint, {
    seed: 61,
    faultProbability: 0.5,
    faultsMax: Infinity,
    delayMsMax: 400,
    kinds: ['delay'],
  });
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

/** The partition backups the output shows started and not yet ended (`backup B: partition P started|COMPLETED|FAILED`). */
function running(output: string): Set<string> {
  const open = new Set<string>();
  for (const [, backupId, partitionId, event] of output.matchAll(/^backup (\d+): partition (\d+) (started|COMPLETED|FAILED)/gm)) {
    if (event === 'started') open.add(`${partitionId}/${backupId}`);
    else open.delete(`${partitionId}/${backupId}`);
  }
  return open;
}

/**
 * Runs the engine with continuous backups every second and retention of 3 s, to S3 through the slow proxy.
 * With `kill`: once `completed` backups have ended and a partition backup has started that has not ended,
 * SIGKILL after `delayMs`; else SIGTERM once two more have completed.
 */
function engineRun(
  dataDirectory: string,
  kill: { completed: number; delayMs: number } | undefined,
): Promise<{ output: string; inFlight: boolean }> {
  const args = ['--data-dir', dataDirectory, '--partitions', String(partitionCount), '--workload-rate', '100'];
  const store = ['--store', `s3://${server.bucket}/${prefix}`, '--s3-endpoint', proxy.endpoint, '--s3-force-path-style'];
  const backup = [
    '--backup-continuous',
    '--backup-checkpoint-interval',
    'PT1S',
    '--backup-schedule',
    'PT1S',
    '--backup-retention-window',
    'PT3S',
    '--backup-retention-cleanup-schedule',
    'PT1S',
  ];
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'engine', 'start', ...args, ...store, ...backup], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    let stopping = false;
    let inFlight = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (stopping) return;
      const completed = output.match(/ COMPLETED/g)?.length ?? 0;
      if (kill === undefined && completed >= 2) {
        stopping = true;
        child.kill('SIGTERM');
      } else if (kill !== undefined && completed >= kill.completed && running(output).size > 0) {
        stopping = true;
        setTimeout(() => {
          inFlight = running(output).size > 0;
          child.kill('SIGKILL');
        }, kill.delayMs);
      }
    };
    const deadline = setTimeout(() => {
      output += '\n(deadline: killed)\n';
      child.kill('SIGKILL');
    }, 40_000);
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(deadline);
      const lines = output.split('\n').filter((line) => / (started|COMPLETED|FAILED)|retention:|deadline/.test(line));
      console.log(
        `${kill === undefined ? 'SIGTERM' : 'SIGKILL'} run, ${inFlight ? 'killed mid-backup' : 'ended'}:\n  ${lines.join('\n  ')}`,
      );
      resolve({ output, inFlight });
    });
  });
}

const idOf = (manifest: Manifest): string => `${manifest.id.partitionId}/${manifest.id.checkpointId}`;

describe('kill -9 during a backup to a slow S3 store', () => {
  it(
    `leaves COMPLETED backups whole, none half visible, and orphans the next run and collection remove (${kills} kills)`,
    async () => {
      const dataDirectory = temporaryDirectory('slow-kill-data');
      const store = faultStore(server, server.endpoint, prefix);
      const random = new SeededRandom(Number(process.env.CUTLINE_KILL_SEED ?? 62));
      try {
        let killedMidBackup = 0;
        const interrupted = new Map<string, Manifest>();
        for (let kill = 0; kill < kills; kill++) {
          const run = await engineRun(dataDirectory, { completed: 1 + random.int(2), delayMs: random.int(300) });
          if (run.inFlight) killedMidBackup++;
          const manifests = (await listRetentionCandidates(store)).flatMap((candidate) => candidate.manifests);
          for (const manifest of manifests) if (manifest.status === 'IN_PROGRESS') interrupted.set(idOf(manifest), manifest);
        }
        // A sweep whose kills all fell between backups, or before any manifest was written, would prove nothing.
        expect(killedMidBackup).toBeGreaterThan(0);
        expect(interrupted.size).toBeGreaterThan(0);
        const last = await engineRun(dataDirectory, undefined);
        expect(last.output).toContain('engine stopped cleanly');
        const manifests = (await listRetentionCandidates(store)).flatMap((candidate) => candidate.manifests);
        const statusOf = new Map(manifests.map((manifest) => [idOf(manifest), manifest.status]));
        // The restart marked every backup a kill interrupted FAILED (retention may have deleted it since).
        for (const manifest of interrupted.values())
          expect([idOf(manifest), statusOf.get(idOf(manifest))]).toEqual([idOf(manifest), expect.stringMatching(/^(FAILED|DELETED)$/)]);
        await expectCompletedWhole(store, manifests);
        await expectNoOrphans(store, manifests);
      } finally {
        store.destroy();
      }
    },
    timeoutMs,
  );
});

/** Every COMPLETED partition backup passes verify at level full; a backup whose status is COMPLETED has no finding at all. */
async function expectCompletedWhole(store: ReturnType<typeof faultStore>, manifests: readonly Manifest[]): Promise<void> {
  const completedIds = [
    ...new Set(manifests.filter((manifest) => manifest.status === 'COMPLETED').map((manifest) => manifest.id.checkpointId)),
  ];
  expect(completedIds.length).toBeGreaterThan(0);
  for (const backupId of completedIds) {
    const report = await verifyBackup(store, backupId, { level: 'full' });
    const whole = (await readBackupStatus(store, backupId, partitionCount)).status === 'COMPLETED';
    const incomplete = new Set(['PARTITION_MISSING', 'PARTITION_NOT_COMPLETED']);
    const findings = report.findings.filter((finding) => !whole && !incomplete.has(finding.code)).concat(whole ? report.findings : []);
    expect(
      findings.map((finding) => `${finding.code}: ${finding.message}`),
      `backup ${backupId}`,
    ).toEqual([]);
  }
}

/** After one more collection per partition every stored chunk is referenced by a live manifest, and every COMPLETED one's chunks are stored. */
async function expectNoOrphans(store: ReturnType<typeof faultStore>, manifests: readonly Manifest[]): Promise<void> {
  for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
    await collectChunks(store, partitionId, { clock: systemClock });
    const stored = new Set((await listAll(store, `chunks/${partitionId}/`)).map((entry) => parseChunkKey(entry.key)?.sha256));
    const referenced = await referencedChunks(store, partitionId);
    expect([...stored].filter((sha256) => sha256 === undefined || !referenced.has(sha256))).toEqual([]);
    const completed = manifests.filter((manifest) => manifest.status === 'COMPLETED' && manifest.id.partitionId === partitionId);
    for (const manifest of completed)
      for (const file of manifest.files) for (const chunk of file.chunks ?? []) expect(stored.has(chunk.sha256)).toBe(true);
  }
}
