// verify-backup against a real S3 server (s3rver on loopback) finds exactly what it finds in the filesystem store.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectory, goldenV2Directory } from '../../fixtures/generate.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { S3BackupStore } from '../../src/store/s3-backup-store.js';
import type { BackupStore } from '../../src/store/backup-store.js';
import { verifyBackups } from '../../src/verify/verify-backup.js';
import { allFindings } from '../../src/verify/findings.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { brokenCopy, codesOf, everyBrokenFixture, runCli } from './verify-support.js';

const newDirectory = temporaryDirectories('verify-s3');
let server: LoopbackS3;

beforeAll(async () => {
  server = await startLoopbackS3();
});
afterAll(async () => {
  await server.close();
});

function s3Store(prefix: string): S3BackupStore {
  return new S3BackupStore({
    bucket: server.bucket,
    prefix,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
  });
}

/** Copies every object of a filesystem store (as the store lists them) to S3 under the prefix. */
async function copyToS3(directory: string, prefix: string): Promise<BackupStore> {
  const source = new FileSystemBackupStore(directory);
  const target = s3Store(prefix);
  for await (const entry of source.list('')) await target.put(entry.key, await readFile(join(directory, entry.key)));
  return target;
}

const cases = [
  'golden',
  'flipped-bit-segment',
  'missing-file',
  'wrong-checksum',
  'orphan-command',
  'golden-v2',
  'v2-missing-chunk',
  'v2-chunk-size-misstated',
  'v2-chunks-swapped',
] as const;
const goldens: Readonly<Record<string, string>> = { golden: goldenDirectory, 'golden-v2': goldenV2Directory };

describe('verify-backup on S3', () => {
  it.each(cases)('%s: the same findings as in the filesystem store, at every level', async (name) => {
    const fixture = everyBrokenFixture.find((entry) => entry.name === name);
    const directory = fixture === undefined ? (goldens[name] as string) : await brokenCopy(fixture, await newDirectory());
    const s3 = await copyToS3(directory, `verify-${name}`);
    for (const level of ['presence', 'checksum', 'full'] as const) {
      const local = allFindings(await verifyBackups(new FileSystemBackupStore(directory), 'latest', { level }));
      const remote = allFindings(await verifyBackups(s3, 'latest', { level }));
      expect(remote, `${name} at ${level}`).toEqual(local);
      if (fixture !== undefined && level === 'full') expect(remote.map((finding) => finding.code)).toContain(fixture.expectedCode);
      if (fixture === undefined) expect(remote).toEqual([]);
    }
  });

  it('runs from the command line with the store in the environment, and exits 2 when the endpoint does not answer', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', server.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', server.credentials.secretAccessKey);
    try {
      const options = ['--s3-endpoint', server.endpoint, '--s3-force-path-style', '--format', 'json'];
      const clean = await runCli(['verify-backup', '--store', `s3://${server.bucket}/verify-golden`, '--latest', ...options]);
      expect(clean.code).toBe(0);
      expect(codesOf(clean.stdout)).toEqual([]);
      const broken = await runCli(['verify-backup', '--store', `s3://${server.bucket}/verify-wrong-checksum`, '--latest', ...options]);
      expect(broken.code).toBe(1);
      expect(codesOf(broken.stdout)).toEqual(['FILE_CHECKSUM_MISMATCH']);
      const down = await runCli([
        'verify-backup',
        '--store',
        `s3://${server.bucket}/x`,
        '--latest',
        '--s3-endpoint',
        'http://127.0.0.1:9',
        '--s3-force-path-style',
      ]);
      expect(down.code).toBe(2);
      expect(down.stderr).toMatch(
        /^error \[VERIFY_STORE_UNREADABLE\]: cannot read s3:\/\/cutline-test\/x at http:\/\/127\.0\.0\.1:9: \[STORE_UNAVAILABLE\]/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
