// S3BackupStore against a real s3rver on loopback: the contract, retries, and secrets kept out of errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { Readable } from 'node:stream';
import { S3BackupStore, type S3BackupStoreOptions } from '../../src/store/s3-backup-store.js';
import { SeededRandom } from '../../src/random.js';
import { getBytes, listAll } from '../../src/store/backup-store.js';
import { startFlakyProxy } from '../support/flaky-proxy.js';
import { describeBackupStoreContract, expectCode, streamBody } from './backup-store.case.js';
import { startLoopbackS3, type LoopbackS3 } from '../support/s3rver.js';

let server: LoopbackS3;
const stores: S3BackupStore[] = [];
let prefixCounter = 0;

beforeAll(async () => {
  server = await startLoopbackS3();
});
afterAll(async () => {
  for (const store of stores) store.destroy();
  await server.close();
});

function storeWith(options: Partial<S3BackupStoreOptions> = {}): S3BackupStore {
  prefixCounter += 1;
  const store = new S3BackupStore({
    bucket: server.bucket,
    prefix: `run/${prefixCounter}`,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    multipartPartBytes: 5 * 1024 * 1024,
    singlePutBytesMax: 5 * 1024 * 1024,
    listPageKeys: 2,
    random: new SeededRandom(prefixCounter),
    ...options,
  });
  stores.push(store);
  return store;
}

// s3rver ignores If-None-Match, so the HEAD-then-PUT fallback is what this run exercises.
describeBackupStoreContract('S3BackupStore on s3rver', async () =>
  Promise.resolve({
    store: storeWith(),
    atomicCreateOnly: false,
    listsVersions: true,
    keyOrderDeviation: "s3rver lists in the order of its own directory walk, so 'a/b' comes before 'a-c'; AWS S3 sorts by bytes",
  }),
);

describe('S3BackupStore specifics', () => {
  it('keeps its objects under the prefix, invisible to a store with another prefix', async () => {
    const first = storeWith({ prefix: 'tenant-a' });
    const second = storeWith({ prefix: 'tenant-b' });
    await first.put('k', Buffer.from('a'));
    expect(await second.head('k')).toBeUndefined();
    expect((await getBytes(first, 'k')).toString()).toBe('a');
  });

  it('retries a streaming put whose connection breaks, re-opening the body', async () => {
    const store = storeWith();
    const bytes = Buffer.alloc(100_000, 7);
    let opens = 0;
    const open = (): Readable => {
      opens += 1;
      if (opens > 1) return Readable.from([bytes]);
      return Readable.from(
        (async function* () {
          yield bytes.subarray(0, 1000);
          await Promise.resolve();
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        })(),
      );
    };
    await store.put('retried', { sizeBytes: bytes.length, open });
    expect(opens).toBe(2);
    expect((await getBytes(store, 'retried')).equals(bytes)).toBe(true);
  });

  it('fails a multipart upload whose body is shorter than declared, storing nothing', async () => {
    const store = storeWith();
    const bytes = Buffer.alloc(6 * 1024 * 1024, 1);
    await expectCode(
      store.put('short-multipart', { sizeBytes: bytes.length + 1, open: () => Readable.from([bytes]) }),
      'STORE_SIZE_MISMATCH',
    );
    expect(await store.head('short-multipart')).toBeUndefined();
  });

  it('retries throttling and 5xx answers with backoff until the request goes through', async () => {
    const proxy = await startFlakyProxy(server.endpoint, 2);
    try {
      const store = storeWith({ endpoint: proxy.endpoint, attemptsMax: 3 });
      await store.put('buffered', Buffer.from('one'));
      await store.put('streamed', streamBody(Buffer.from('two')));
      expect((await getBytes(store, 'streamed')).toString()).toBe('two');
      expect(await listAll(store, '')).toHaveLength(2);
      expect(proxy.counts.failed).toBeGreaterThanOrEqual(8);
      const impatient = storeWith({ endpoint: proxy.endpoint, attemptsMax: 2 });
      const error = await expectCode(impatient.head('buffered'), 'STORE_UNAVAILABLE');
      expect(error.message).toMatch(/: HTTP 500, after 2 attempts$/);
    } finally {
      await proxy.close();
    }
  });

  it('reports a missing bucket as STORE_UNAVAILABLE naming the bucket', async () => {
    const store = storeWith({ bucket: 'no-such-bucket' });
    const error = await expectCode(store.put('k', Buffer.from('x')), 'STORE_UNAVAILABLE');
    expect(error.message).toContain('bucket no-such-bucket does not exist');
  });

  it('gives up on an endpoint that does not answer with STORE_UNAVAILABLE after its attempts', async () => {
    const store = storeWith({ endpoint: 'http://127.0.0.1:9', attemptsMax: 2 });
    const error = await expectCode(store.head('k'), 'STORE_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('never puts a secret into an error message, its cause, its hint or the description', async () => {
    const secretAccessKey = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY-SECRET';
    const sessionToken = 'FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-SECRET';
    const accessKeyId = 'AKIAEXAMPLEKEYID0001';
    for (const endpoint of [server.endpoint, 'http://127.0.0.1:9']) {
      const store = storeWith({ endpoint, attemptsMax: 1, credentials: { accessKeyId, secretAccessKey, sessionToken } });
      const attempts = [
        () => store.put('k', Buffer.from('x')),
        () => store.get('k'),
        () => store.head('k'),
        () => store.put('m', Buffer.from('x'), { ifNoneMatch: true }),
      ];
      for (const attempt of attempts) {
        const error: unknown = await attempt().then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeDefined();
        const printed = `${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error)} ${store.description}`;
        expect(printed).not.toContain(secretAccessKey);
        expect(printed).not.toContain(sessionToken);
        expect(printed).not.toContain(accessKeyId);
      }
    }
  });

  // s3rver does not check SigV4 signatures, so an unknown access key id stands in for a wrong secret.
  it('maps refused credentials to STORE_ACCESS_DENIED with a hint about the credential chain', async () => {
    const store = storeWith({ credentials: { accessKeyId: 'UNKNOWNKEY', secretAccessKey: 'wrong-secret-value' } });
    const error = await expectCode(store.put('k', Buffer.from('x')), 'STORE_ACCESS_DENIED');
    expect(error.hint).toContain('AWS_ACCESS_KEY_ID');
  });
});
