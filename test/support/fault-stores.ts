// Helpers for the tests through the fault proxy: S3 stores at an endpoint, what the proxy injected, and a directory's bytes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { S3BackupStore } from '../../src/store/s3-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import type { FaultProxy } from './fault-proxy.js';
import type { LoopbackS3 } from './s3rver.js';

/** An S3 store of the loopback server's bucket under `prefix`, reached at `endpoint` (the server's own, or a proxy's). */
export function faultStore(server: LoopbackS3, endpoint: string, prefix: string, attemptsMax?: number): S3BackupStore {
  return new S3BackupStore({
    bucket: server.bucket,
    prefix,
    endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    random: new SeededRandom(1),
    ...(attemptsMax === undefined ? {} : { attemptsMax }),
  });
}

/** How many faults the proxy injected, of every kind. */
export function injectedCount(proxy: FaultProxy): number {
  return Object.values(proxy.injected).reduce((sum, count) => sum + count, 0);
}

/** Every file under `root`, by relative path, with its bytes in base64. */
export function filesOf(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else files.set(relative(root, child), readFileSync(child).toString('base64'));
    }
  };
  walk(root);
  return files;
}
