// Starts a real S3-speaking server (s3rver) on 127.0.0.1 with a random port, for tests and benchmarks.
import S3rver from 's3rver';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeObjectWritesAtomic } from './s3rver-atomic.js';

export interface LoopbackS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** s3rver's fixed credentials: it checks request signatures against them. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  close(): Promise<void>;
}

export async function startLoopbackS3(bucket = 'cutline-test'): Promise<LoopbackS3> {
  const directory = await mkdtemp(join(tmpdir(), 'cutline-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  makeObjectWritesAtomic(server, `${directory}.staging`);
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
      await rm(`${directory}.staging`, { recursive: true, force: true });
    },
  };
}

/**
 * The same server in a child process (started with tsx), so that its work does not share the event loop of
 * the process under test: what benchmarks use, since a real S3 endpoint never runs inside the restoring process.
 */
export async function startLoopbackS3Process(bucket = 'cutline-test'): Promise<LoopbackS3> {
  const directory = await mkdtemp(join(tmpdir(), 'cutline-s3rver-'));
  const child = fork(new URL('./s3rver-process.ts', import.meta.url), [directory, bucket], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return {
    endpoint: `http://127.0.0.1:${message.port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: async () => {
      const exited = once(child, 'exit');
      child.send('close');
      await exited;
      await rm(directory, { recursive: true, force: true });
      await rm(`${directory}.staging`, { recursive: true, force: true });
    },
  };
}
