// The BackupStore contract: every store implementation's test file runs these cases against a real instance.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import type { BackupStore, StreamBody } from '../../src/store/backup-store.js';
import { getBytes, listAll } from '../../src/store/backup-store.js';
import { CutlineError } from '../../src/errors.js';

export interface StoreUnderTest {
  readonly store: BackupStore;
  /** Whether two concurrent create-only puts of one key are decided atomically by the server. */
  readonly atomicCreateOnly: boolean;
  /**
   * Whether listings come in byte order of the keys even where a key's component is a prefix of a
   * sibling's (`a-c` before `a/b`), as S3 promises. When false, the reason, for the skipped case.
   */
  readonly keyOrderDeviation?: string;
  /** Whether listings carry ListEntry.version (S3's ETag); a filesystem store gives none (see fs-list.ts). */
  readonly listsVersions?: boolean;
}

/** Each call gives a fresh, empty store (a new directory, or a new prefix in the bucket). */
export type StoreFactory = () => Promise<StoreUnderTest>;

export async function expectCode(promise: Promise<unknown>, code: string): Promise<CutlineError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected a CutlineError ${code}`).toBeInstanceOf(CutlineError);
  expect((error as CutlineError).code).toBe(code);
  return error as CutlineError;
}

export function streamBody(bytes: Uint8Array, chunkBytes = 7): StreamBody {
  return {
    sizeBytes: bytes.byteLength,
    open: () => Readable.from(chunksOf(Buffer.from(bytes), chunkBytes)),
  };
}

function chunksOf(bytes: Buffer, chunkBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) chunks.push(bytes.subarray(offset, offset + chunkBytes));
  return chunks;
}

function changed(error: unknown): undefined {
  if (error instanceof CutlineError && error.code === 'STORE_OBJECT_CHANGED') return undefined;
  throw error;
}

function patterned(sizeBytes: number): Buffer {
  const bytes = Buffer.alloc(sizeBytes);
  for (let index = 0; index < sizeBytes; index++) bytes[index] = (index * 31 + (index >> 8)) & 0xff;
  return bytes;
}

export function describeBackupStoreContract(name: string, factory: StoreFactory): void {
  describe(`BackupStore contract: ${name}`, () => {
    describeReadsAndWrites(factory);
    describeCreateOnly(factory);
    describeListing(factory);
    describeRefusals(factory);
  });
}

/** Put, get (whole and ranged), head, metadata, and what a missing object does. */
function describeReadsAndWrites(factory: StoreFactory): void {
  it('stores bytes and streams and reads them back whole', async () => {
    const { store } = await factory();
    await store.put('a/one.bin', Buffer.from('hello'));
    await store.put('a/two.bin', streamBody(patterned(1000)));
    expect((await getBytes(store, 'a/one.bin')).toString()).toBe('hello');
    expect((await getBytes(store, 'a/two.bin')).equals(patterned(1000))).toBe(true);
    await store.put('a/empty', new Uint8Array(0));
    expect((await getBytes(store, 'a/empty')).length).toBe(0);
  });

  it('stores keys with every character of the key alphabet unchanged', async () => {
    const { store } = await factory();
    const key = 'x/Az09_b=c+d,e@f-g.h/state.db-wal';
    await store.put(key, Buffer.from('alphabet'));
    expect((await getBytes(store, key)).toString()).toBe('alphabet');
    expect(await listAll(store, 'x/')).toMatchObject([{ key, sizeBytes: 8 }]);
    expect((await store.head(key))?.sizeBytes).toBe(8);
  });

  it('replaces an object on a plain put', async () => {
    const { store } = await factory();
    await store.put('k', Buffer.from('first'));
    await store.put('k', Buffer.from('second!'));
    expect((await getBytes(store, 'k')).toString()).toBe('second!');
    expect((await store.head('k'))?.sizeBytes).toBe(7);
  });

  it('never shows a reader a half-written object while it is replaced, nor a listing an error', async () => {
    const { store } = await factory();
    const versions = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter, index) => Buffer.alloc(200_000 + index * 50_000, letter));
    await store.put('w/k', versions[0] ?? Buffer.alloc(0));
    const seen = new Set<string>();
    const writes = (async () => {
      for (let round = 1; round < 24; round++)
        await store.put('w/k', streamBody(versions[round % versions.length] ?? Buffer.alloc(0), 65_536));
    })();
    let writing = true;
    void writes.finally(() => (writing = false)).catch(() => undefined);
    while (writing) {
      // A read that broke off and would resume on a replacement ends with STORE_OBJECT_CHANGED: never mixed bytes.
      const [bytes, listed] = await Promise.all([getBytes(store, 'w/k').catch(changed), listAll(store, 'w/')]);
      expect(listed.map((entry) => entry.key)).toEqual(['w/k']);
      if (bytes === undefined) continue;
      const whole = versions.find((version) => version.equals(bytes));
      expect(whole === undefined ? `${bytes.length} bytes, not any version written` : 'whole').toBe('whole');
      seen.add(bytes.subarray(0, 1).toString());
    }
    await writes;
    expect(seen.size).toBeGreaterThan(0);
  });

  it('lists a version of each object that changes when it is written again, even with the same size', async (context) => {
    const { store, listsVersions } = await factory();
    await store.put('v/k', Buffer.from('first'));
    const [first] = await listAll(store, 'v/');
    if (listsVersions !== true) {
      expect(first?.version).toBeUndefined();
      context.skip('this store lists no versions: a cache keyed by them reads every object again');
      return;
    }
    expect((await listAll(store, 'v/'))[0]?.version).toBe(first?.version);
    await store.put('v/k', Buffer.from('other'));
    const [second] = await listAll(store, 'v/');
    expect(first?.version).toBeDefined();
    expect(second?.version).toBeDefined();
    expect(second?.version).not.toBe(first?.version);
  });

  it('says what happens to a missing object: get fails, head is undefined, delete resolves', async () => {
    const { store } = await factory();
    await expectCode(store.get('missing/object'), 'STORE_NOT_FOUND');
    expect(await store.head('missing/object')).toBeUndefined();
    await store.delete('missing/object');
    expect(await listAll(store, 'missing/')).toEqual([]);
  });

  it('reads byte ranges, cuts a range at the end, refuses one that starts beyond it', async () => {
    const { store } = await factory();
    const bytes = patterned(300);
    await store.put('r', bytes);
    expect(await getBytes(store, 'r', { range: { offsetBytes: 10, lengthBytes: 20 } })).toEqual(bytes.subarray(10, 30));
    expect(await getBytes(store, 'r', { range: { offsetBytes: 250 } })).toEqual(bytes.subarray(250));
    expect(await getBytes(store, 'r', { range: { offsetBytes: 290, lengthBytes: 100 } })).toEqual(bytes.subarray(290));
    expect((await getBytes(store, 'r', { range: { offsetBytes: 300, lengthBytes: 0 } })).length).toBe(0);
    await expectCode(store.get('r', { range: { offsetBytes: 300 } }), 'STORE_RANGE_INVALID');
    await expectCode(store.get('r', { range: { offsetBytes: 301, lengthBytes: 1 } }), 'STORE_RANGE_INVALID');
    await expectCode(store.get('nothing', { range: { offsetBytes: 0, lengthBytes: 1 } }), 'STORE_NOT_FOUND');
  });

  it('keeps user metadata with the object and drops it when replaced without', async () => {
    const { store } = await factory();
    await store.put('m', Buffer.from('x'), { metadata: { 'created-at-ms': '1700000000000', kind: 'manifest' } });
    expect((await store.head('m'))?.metadata).toEqual({ 'created-at-ms': '1700000000000', kind: 'manifest' });
    await store.put('m', Buffer.from('y'));
    expect((await store.head('m'))?.metadata).toEqual({});
    await expectCode(store.put('m', Buffer.from('z'), { metadata: { 'Bad Name': 'v' } }), 'STORE_KEY_INVALID');
  });

  it('round-trips a body larger than one multipart part', async () => {
    const { store } = await factory();
    const bytes = patterned(11 * 1024 * 1024 + 3);
    await store.put('big/file', streamBody(bytes, 1024 * 1024));
    expect((await store.head('big/file'))?.sizeBytes).toBe(bytes.length);
    expect((await getBytes(store, 'big/file')).equals(bytes)).toBe(true);
    expect(await getBytes(store, 'big/file', { range: { offsetBytes: 9 * 1024 * 1024, lengthBytes: 10 } })).toEqual(
      bytes.subarray(9 * 1024 * 1024, 9 * 1024 * 1024 + 10),
    );
  });
}

/** Create-only puts: refused over an existing object, atomic where the server is. */
function describeCreateOnly(factory: StoreFactory): void {
  it('creates only if absent and leaves an existing object untouched', async () => {
    const { store } = await factory();
    await store.put('manifest.json', Buffer.from('{"v":1}'), { ifNoneMatch: true });
    const error = await expectCode(store.put('manifest.json', Buffer.from('{"v":2}'), { ifNoneMatch: true }), 'STORE_ALREADY_EXISTS');
    expect(error.message).toContain('manifest.json');
    await expectCode(store.put('manifest.json', streamBody(Buffer.from('{"v":3}')), { ifNoneMatch: true }), 'STORE_ALREADY_EXISTS');
    expect((await getBytes(store, 'manifest.json')).toString()).toBe('{"v":1}');
  });

  it('lets exactly one of two racing create-only puts win, where the server decides atomically', async (context) => {
    const { store, atomicCreateOnly } = await factory();
    if (!atomicCreateOnly) {
      context.skip('this server ignores If-None-Match; the store falls back to HEAD-then-PUT, which a race can beat (FORMAT.md)');
      return;
    }
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((body) => store.put('race', Buffer.from(body), { ifNoneMatch: true })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results)
      if (result.status === 'rejected') expect((result.reason as CutlineError).code).toBe('STORE_ALREADY_EXISTS');
  });
}

/** Listing by prefix, in order, and agreement with a model over random operations. */
function describeListing(factory: StoreFactory): void {
  it('lists by string prefix in ascending key order with sizes, across pages', async () => {
    const { store } = await factory();
    const keys = ['p/b/2', 'p/a/1', 'p/a/0', 'p/c', 'p/bb', 'q/x', 'p2/y'];
    for (const [index, key] of keys.entries()) await store.put(key, patterned(index));
    expect((await listAll(store, 'p/')).map(({ key, sizeBytes }) => ({ key, sizeBytes }))).toEqual(
      ['p/a/0', 'p/a/1', 'p/b/2', 'p/bb', 'p/c'].map((key) => ({ key, sizeBytes: keys.indexOf(key) })),
    );
    expect((await listAll(store, 'p/b')).map((entry) => entry.key)).toEqual(['p/b/2', 'p/bb']);
    expect((await listAll(store, 'p')).map((entry) => entry.key)).toEqual(['p/a/0', 'p/a/1', 'p/b/2', 'p/bb', 'p/c', 'p2/y']);
    expect((await listAll(store, '')).length).toBe(keys.length);
    expect(await listAll(store, 'nothing/here/')).toEqual([]);
  });

  it('orders keys by bytes where a component is a prefix of its sibling', async (context) => {
    const { store, keyOrderDeviation } = await factory();
    if (keyOrderDeviation !== undefined) {
      context.skip(keyOrderDeviation);
      return;
    }
    for (const key of ['s/state.db-wal', 's/state.db', 's/a/b', 's/a-c', 's/a/a']) await store.put(key, Buffer.from('x'));
    expect((await listAll(store, 's/')).map((entry) => entry.key)).toEqual(['s/a-c', 's/a/a', 's/a/b', 's/state.db', 's/state.db-wal']);
  });

  it('deletes objects so that get, head and list no longer see them', async () => {
    const { store } = await factory();
    await store.put('d/x/1', Buffer.from('1'), { metadata: { a: 'b' } });
    await store.put('d/y', Buffer.from('2'));
    await store.delete('d/x/1');
    await expectCode(store.get('d/x/1'), 'STORE_NOT_FOUND');
    expect(await store.head('d/x/1')).toBeUndefined();
    expect((await listAll(store, 'd/')).map((entry) => entry.key)).toEqual(['d/y']);
    await store.put('d/x/1', Buffer.from('again'));
    expect((await store.head('d/x/1'))?.metadata).toEqual({});
  });

  it('agrees with an in-memory model over random puts and deletes', async () => {
    const { store } = await factory();
    const keyArbitrary = fc.constantFrom('m/a', 'm/a/b', 'm/b/c/d', 'm/b/e', 'm/c', 'm/d/f');
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: keyArbitrary, size: fc.integer({ min: 0, max: 64 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: keyArbitrary, size: fc.constant(0) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 8 }), async (operations) => {
        for (const entry of await listAll(store, 'm/')) await store.delete(entry.key);
        const model = new Map<string, number>();
        for (const { kind, key, size } of operations) {
          // A key cannot be both an object and a "directory" of others in the filesystem store.
          const clashes = [...model.keys()].some((other) => other.startsWith(`${key}/`) || key.startsWith(`${other}/`));
          if (kind === 'put' && !clashes) {
            await store.put(key, patterned(size));
            model.set(key, size);
          } else if (kind === 'delete') {
            await store.delete(key);
            model.delete(key);
          }
        }
        const expected = [...model.entries()]
          .sort(([left], [right]) => (left < right ? -1 : 1))
          .map(([key, sizeBytes]) => ({ key, sizeBytes }));
        expect((await listAll(store, 'm/')).map(({ key, sizeBytes }) => ({ key, sizeBytes }))).toEqual(expected);
      }),
      { numRuns: 15, seed: 4 },
    );
  });
}

/** Bad keys, bodies of the wrong size and aborts: refused, with nothing stored. */
function describeRefusals(factory: StoreFactory): void {
  it('refuses invalid keys with STORE_KEY_INVALID before touching the store', async () => {
    const { store } = await factory();
    for (const key of ['', '/etc/passwd', 'a/../b', '..', 'a//b', 'a/', 'a\0b', './a', '.hidden', 'a\\b', 'C:/x']) {
      await expectCode(store.put(key, Buffer.from('x')), 'STORE_KEY_INVALID');
      await expectCode(store.get(key), 'STORE_KEY_INVALID');
      await expectCode(store.head(key), 'STORE_KEY_INVALID');
      await expectCode(store.delete(key), 'STORE_KEY_INVALID');
    }
    await expectCode(listAll(store, '../'), 'STORE_KEY_INVALID');
    expect(await listAll(store, '')).toEqual([]);
  });

  it('stores nothing when a stream body is longer or shorter than declared', async () => {
    const { store } = await factory();
    const bytes = patterned(100);
    await expectCode(store.put('short', { sizeBytes: 101, open: () => Readable.from([bytes]) }), 'STORE_SIZE_MISMATCH');
    await expectCode(store.put('long', { sizeBytes: 99, open: () => Readable.from([bytes]) }), 'STORE_SIZE_MISMATCH');
    expect(await listAll(store, '')).toEqual([]);
  });

  it('rejects with the abort reason and stores nothing when aborted', async () => {
    const { store } = await factory();
    const aborted = AbortSignal.abort(new Error('stop now'));
    await expect(store.put('x', Buffer.from('x'), { signal: aborted })).rejects.toThrow('stop now');
    await expect(store.get('x', { signal: aborted })).rejects.toThrow('stop now');
    await expect(store.head('x', { signal: aborted })).rejects.toThrow('stop now');
    await expect(listAll(store, '', { signal: aborted })).rejects.toThrow('stop now');
    const controller = new AbortController();
    const slow: StreamBody = {
      sizeBytes: 1000,
      open: () =>
        Readable.from(
          (async function* () {
            yield Buffer.alloc(500);
            controller.abort(new Error('stopped mid-stream'));
            await new Promise((resolve) => setTimeout(resolve, 50));
            yield Buffer.alloc(500);
          })(),
        ),
    };
    await expect(store.put('slow', slow, { signal: controller.signal })).rejects.toThrow();
    expect(await store.head('slow')).toBeUndefined();
  });
}
