// Manifests: schema and semantic validation, the version rule, legal status transitions, key layout.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/clock.js';
import {
  checkManifest,
  newManifest,
  parseManifest,
  serializeManifest,
  transitionManifest,
  type Manifest,
  type ManifestStatus,
} from '../../src/backup/manifest.js';
import { contentKey, manifestKey, metadataKey, parseManifestKey } from '../../src/backup/backup-layout.js';
import { CutlineError } from '../../src/errors.js';
import { descriptor } from './manifest-fixture.js';

const clock = new ManualClock(1_700_000_000_000);
const id = { partitionId: 1, checkpointId: 5, nodeId: 0 };
const file = { path: 'segments/00000001.log', sizeBytes: 10, sha256: 'a'.repeat(64) };

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof CutlineError ? error.code : 'not a CutlineError';
  }
}

function completed(): Manifest {
  return transitionManifest(newManifest(id, descriptor(), clock, 1), 'COMPLETED', clock, { files: [file] });
}

const firstChunk = { sha256: 'b'.repeat(64), sizeBytes: 6, storedBytes: 18, codec: 'none' as const };
const chunked = {
  ...file,
  chunks: [
    { sha256: 'b'.repeat(64), sizeBytes: 6, storedBytes: 18, codec: 'none' as const },
    { sha256: 'c'.repeat(64), sizeBytes: 4, storedBytes: 30, codec: 'gzip' as const },
  ],
};

function completedV2(): Manifest {
  return transitionManifest(newManifest(id, descriptor(), clock, 2), 'COMPLETED', clock, { files: [chunked], addedBytes: 48 });
}

describe('manifest', () => {
  it('round-trips through its serialized form', () => {
    const manifest = completed();
    expect(parseManifest(serializeManifest(manifest), 'm')).toEqual(manifest);
  });

  it('writes format version 2 and reads both', () => {
    const manifest = completedV2();
    expect(manifest.formatVersion).toBe(2);
    expect(parseManifest(serializeManifest(manifest), 'm')).toEqual(manifest);
    expect(parseManifest(serializeManifest(completed()), 'm').formatVersion).toBe(1);
  });

  it('writes format version 3 by default: every segment with its command index, and no index without its segment', () => {
    const index = { ...chunked, path: 'commands/00000001.idx' };
    const manifest = transitionManifest(newManifest(id, descriptor(), clock), 'COMPLETED', clock, {
      files: [chunked, index],
      addedBytes: 48,
    });
    expect(manifest.formatVersion).toBe(3);
    expect(parseManifest(serializeManifest(manifest), 'm')).toEqual(manifest);
    const alone = (files: Manifest['files']): string | undefined => codeOf(() => checkManifest({ ...manifest, files }, 'm'));
    expect(alone([chunked])).toBe('MANIFEST_INVALID');
    expect(alone([index])).toBe('MANIFEST_INVALID');
    expect(alone([chunked, { ...index, path: 'commands/1.idx' }])).toBe('MANIFEST_INVALID');
    // A v2 manifest has no command indexes: the path is a schema violation there.
    expect(codeOf(() => checkManifest({ ...completedV2(), files: [chunked, index] }, 'm'))).toBe('MANIFEST_INVALID');
  });

  it('refuses a v2 file without chunks, chunks that do not add up, and a COMPLETED chunk that does not say how it is stored', () => {
    const base = completedV2();
    const { chunks: _chunks, ...unchunked } = chunked;
    const broken: Manifest[] = [
      { ...base, files: [unchunked] },
      { ...base, files: [{ ...chunked, sizeBytes: 11 }] },
      { ...base, files: [{ ...chunked, chunks: [{ sha256: 'b'.repeat(64), sizeBytes: 10 }] }] },
      { ...base, files: [{ ...chunked, chunks: [{ ...firstChunk, sizeBytes: 10, codec: 'lz4' as never }] }] },
      { ...base, files: [{ ...chunked, chunks: [{ ...firstChunk, sizeBytes: 10, storedBytes: 3 }] }] },
      { ...base, addedBytes: undefined as never },
    ];
    for (const manifest of broken)
      expect(
        codeOf(() => checkManifest(JSON.parse(JSON.stringify(manifest)), 'm')),
        JSON.stringify(manifest),
      ).toBe('MANIFEST_INVALID');
    // A v1 manifest has no chunks: listing them is a schema violation there.
    expect(codeOf(() => checkManifest({ ...completed(), files: [chunked] }, 'm'))).toBe('MANIFEST_INVALID');
  });

  it('lets a v2 manifest stay IN_PROGRESS with its intent (chunks without storage), never a v1 one', () => {
    const intent = { ...chunked, chunks: chunked.chunks.map(({ sha256, sizeBytes }) => ({ sha256, sizeBytes })) };
    const started = transitionManifest(newManifest(id, descriptor(), clock, 2), 'IN_PROGRESS', clock, { files: [intent] });
    expect(started.files).toEqual([intent]);
    expect(codeOf(() => transitionManifest(started, 'COMPLETED', clock))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => transitionManifest(newManifest(id, descriptor(), clock, 1), 'IN_PROGRESS', clock, { files: [file] }))).toBe(
      'MANIFEST_TRANSITION',
    );
  });

  it('rejects an unknown format version before the schema, naming the versions it reads', () => {
    const document = { ...completed(), formatVersion: 4 };
    const error = (() => {
      try {
        parseManifest(Buffer.from(JSON.stringify(document)), 'manifests/1/5/0/manifest.json');
      } catch (caught) {
        return caught as CutlineError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('MANIFEST_VERSION');
    expect(error?.message).toContain('format version 4; this cutline reads versions 1, 2, 3');
  });

  it('reports every schema violation with where it is', () => {
    const document = { ...completed(), status: 'DONE', files: [{ path: 'segments/x', sizeBytes: -1, sha256: 'zz' }] };
    expect(() => parseManifest(Buffer.from(JSON.stringify(document)), 'm')).toThrow(
      /\/status must be equal to one of the allowed values \(IN_PROGRESS, COMPLETED, FAILED, DELETED\).*\/files\/0\/sizeBytes.*\/files\/0\/sha256/,
    );
    expect(codeOf(() => parseManifest(Buffer.from('{not json'), 'm'))).toBe('MANIFEST_INVALID');
    expect(codeOf(() => parseManifest(Buffer.from(JSON.stringify({ ...completed(), extra: 1 })), 'm'))).toBe('MANIFEST_INVALID');
  });

  it('enforces the rules a schema cannot state', () => {
    const base = completed();
    const broken: Manifest[] = [
      { ...base, descriptor: descriptor({ snapshotProcessedPosition: 21 }) },
      { ...base, descriptor: descriptor({ checkpointPosition: 26 }) },
      { ...base, descriptor: descriptor({ firstLogPosition: 18 }) },
      { ...base, descriptor: descriptor({ snapshotId: null }) },
      { ...base, failureReason: 'why' },
      { ...base, status: 'FAILED' },
      { ...base, files: [] },
      { ...base, files: [file, file] },
      { ...base, files: [{ ...file, path: 'segments/../../etc/passwd' }] },
      { ...base, files: [{ ...file, path: 'other/file' }] },
    ];
    for (const manifest of broken)
      expect(
        codeOf(() => checkManifest(manifest, 'm')),
        JSON.stringify(manifest),
      ).toBe('MANIFEST_INVALID');
    expect(
      codeOf(() => checkManifest({ ...base, descriptor: descriptor({ snapshotId: null, snapshotProcessedPosition: 0 }) }, 'm')),
    ).toBeUndefined();
  });

  it('allows exactly IN_PROGRESS -> COMPLETED | FAILED and COMPLETED | FAILED -> DELETED', () => {
    const statuses: ManifestStatus[] = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'DELETED'];
    const legal = new Set(['IN_PROGRESS>COMPLETED', 'IN_PROGRESS>FAILED', 'COMPLETED>DELETED', 'FAILED>DELETED']);
    const reach: Record<ManifestStatus, Manifest> = {
      IN_PROGRESS: newManifest(id, descriptor(), clock, 1),
      COMPLETED: completed(),
      FAILED: transitionManifest(newManifest(id, descriptor(), clock, 1), 'FAILED', clock, { failureReason: 'disk full' }),
      DELETED: transitionManifest(completed(), 'DELETED', clock),
    };
    for (const from of statuses) {
      for (const to of statuses) {
        const code = codeOf(() => transitionManifest(reach[from], to, clock, { files: [file], failureReason: 'x' }));
        expect(code, `${from} -> ${to}`).toBe(legal.has(`${from}>${to}`) ? undefined : 'MANIFEST_TRANSITION');
      }
    }
    expect(transitionManifest(reach.FAILED, 'DELETED', clock).failureReason).toBe('disk full');
  });
});

describe('FORMAT.md', () => {
  it('shows a manifest that this cutline reads', () => {
    const format = readFileSync(new URL('../../FORMAT.md', import.meta.url), 'utf8');
    const section = format.slice(format.indexOf('## Manifest'));
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const manifest = parseManifest(Buffer.from(example ?? ''), 'the FORMAT.md example');
    expect(manifest.status).toBe('COMPLETED');
    expect(manifestKey(manifest.id)).toBe('manifests/1/5/0/manifest.json');
  });
});

describe('backup layout', () => {
  it('places objects exactly as FORMAT.md states', () => {
    expect(manifestKey(id)).toBe('manifests/1/5/0/manifest.json');
    expect(contentKey(id, 'segments/00000001.log')).toBe('contents/1/5/0/segments/00000001.log');
    expect(contentKey(id, 'snapshot/16-10-7-8/state.db')).toBe('contents/1/5/0/snapshot/16-10-7-8/state.db');
    expect(metadataKey(3)).toBe('metadata/3/metadata.json');
    expect(() => contentKey(id, 'segments/../x')).toThrow(CutlineError);
  });

  it('parses back every manifest key it makes and nothing else', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (partitionId, checkpointId, nodeId) => {
        const backup = { partitionId, checkpointId, nodeId };
        expect(parseManifestKey(manifestKey(backup))).toEqual(backup);
      }),
    );
    for (const key of [
      'manifests/1/5/manifest.json',
      'manifests/01/5/0/manifest.json',
      'manifests/1/5/0/manifest.json.tmp',
      'contents/1/5/0/manifest.json',
    ]) {
      expect(parseManifestKey(key)).toBeUndefined();
    }
  });
});
