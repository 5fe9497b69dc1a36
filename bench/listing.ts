// Listing every backup of a large S3 store, as GET /backups and `cutline backup list` do, against a raw listing + GetObject of the same manifests.
// CUTLINE_BENCH_LISTING_BACKUPS (default 1000) backups of CUTLINE_BENCH_LISTING_PARTITIONS (default 3) partitions each, in s3rver on loopback
// (a process of its own); best of CUTLINE_BENCH_LISTING_ROUNDS (default 3) alternating rounds.
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { startLoopbackS3Process } from '../test/support/s3rver.js';
import { fastestSeconds } from './bench-timing.js';
import { importBuilt } from './built.js';
import type * as S3StoreModule from '../src/store/s3-backup-store.js';
import type * as ManifestStoreModule from '../src/backup/manifest-store.js';
import type * as ManifestModule from '../src/backup/manifest.js';
import type * as StatusModule from '../src/backup/backup-status.js';
import type * as ClockModule from '../src/clock.js';
import type * as LimiterModule from '../src/concurrency-limiter.js';
import type * as LimitsModule from '../src/limits.js';
import type * as VersionModule from '../src/version.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const backups = Number(process.env.CUTLINE_BENCH_LISTING_BACKUPS ?? 1000);
const partitionCount = Number(process.env.CUTLINE_BENCH_LISTING_PARTITIONS ?? 3);
const rounds = Number(process.env.CUTLINE_BENCH_LISTING_ROUNDS ?? 3);

const { S3BackupStore } = await importBuilt<typeof S3StoreModule>('store/s3-backup-store.js');
const { createManifest, readAllManifests, ManifestCache } = await importBuilt<typeof ManifestStoreModule>('backup/manifest-store.js');
const { newManifest } = await importBuilt<typeof ManifestModule>('backup/manifest.js');
const { backupStatusOf } = await importBuilt<typeof StatusModule>('backup/backup-status.js');
const { systemClock } = await importBuilt<typeof ClockModule>('clock.js');
const { ConcurrencyLimiter } = await importBuilt<typeof LimiterModule>('concurrency-limiter.js');
const { manifestReadParallelism } = await importBuilt<typeof LimitsModule>('limits.js');
const { cutlineVersion } = await importBuilt<typeof VersionModule>('version.js');

async function main(): Promise<void> {
  const s3 = await startLoopbackS3Process('bench');
  const store = new S3BackupStore({
    bucket: s3.bucket,
    prefix: 'listing',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const raw = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  try {
    const limiter = new ConcurrencyLimiter(16);
    const writes: Promise<void>[] = [];
    for (let checkpointId = 1; checkpointId <= backups; checkpointId++) {
      for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
        const descriptor = {
          snapshotId: null,
          snapshotProcessedPosition: 0,
          checkpointPosition: checkpointId * 10,
          checkpointTimestampMs: 1_700_000_000_000 + checkpointId,
          checkpointType: 'SCHEDULED_BACKUP' as const,
          firstLogPosition: 1,
          lastLogPosition: checkpointId * 10,
          partitionCount,
          engineVersion: cutlineVersion,
        };
        writes.push(
          limiter.run(() => createManifest(store, newManifest({ partitionId, checkpointId, nodeId: 0 }, descriptor, systemClock))),
        );
      }
    }
    await Promise.all(writes);
    process.stdout.write(
      `bench:listing: ${backups} backups x ${partitionCount} partitions in s3rver, best of ${rounds} alternating rounds\n`,
    );
    // Cold: every manifest read (a new process); warm: the API's cache, nothing changed since its last listing.
    const warm = new ManifestCache();
    await readAllManifests(store, {}, warm);
    const listed = async (cache = new ManifestCache()): Promise<void> => {
      const all = await readAllManifests(store, {}, cache);
      const statuses = [...all.entries()].map(([backupId, manifests]) => backupStatusOf(backupId, manifests, partitionCount));
      if (statuses.length !== backups) throw new Error(`listed ${statuses.length} backups, expected ${backups}`);
    };
    // ListObjects version 1 with Marker, as the S3 store lists (s3rver cannot page version 2 on OpenSSL 3).
    const rawKeys = async (): Promise<string[]> => {
      const keys: string[] = [];
      for (let marker: string | undefined, more = true; more;) {
        const page = await raw.send(
          new ListObjectsCommand({ Bucket: s3.bucket, Prefix: 'listing/manifests/', ...(marker === undefined ? {} : { Marker: marker }) }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        marker = page.Contents?.at(-1)?.Key;
        more = page.IsTruncated === true && marker !== undefined;
      }
      if (keys.length !== backups * partitionCount)
        throw new Error(`listed ${keys.length} manifests, expected ${backups * partitionCount}`);
      return keys;
    };
    const rawListed = async (): Promise<void> => {
      const reads = new ConcurrencyLimiter(manifestReadParallelism);
      const keys = await rawKeys();
      await Promise.all(
        keys.map((key) =>
          reads.run(
            async () =>
              JSON.parse(
                await ((await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body?.transformToString() ?? ''),
              ) as unknown,
          ),
        ),
      );
    };
    const rawListOnly = async (): Promise<void> => {
      await rawKeys();
    };
    const runs = [rawListed, () => listed(), () => listed(warm), rawListOnly];
    const best = runs.map(() => Infinity);
    for (let round = 0; round < rounds; round++) {
      for (const [index, run] of runs.entries()) best[index] = Math.min(best[index] ?? Infinity, await fastestSeconds(1, run));
    }
    const [rawSeconds = NaN, cold = NaN, warmSeconds = NaN, listOnly = NaN] = best;
    const line = (name: string, seconds: number, baseline: string, baselineSeconds: number) =>
      process.stdout.write(
        `${name.padEnd(44)} ${seconds.toFixed(3)} s   ${baseline.padEnd(46)} ${baselineSeconds.toFixed(3)} s   ratio ${(baselineSeconds / seconds).toFixed(2)}\n`,
      );
    line(
      'list every backup, cold (every manifest read)',
      cold,
      `raw ListObjects + GetObject (${manifestReadParallelism} at once)`,
      rawSeconds,
    );
    line('list every backup, warm (GET /backups again)', warmSeconds, 'raw ListObjects of the manifests only', listOnly);
  } finally {
    raw.destroy();
    store.destroy();
    await s3.close();
  }
}

await main();
