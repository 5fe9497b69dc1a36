// Manifests: schema and semantic validation, the version rule, legal status transitions, key layout.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/clock.js';
import { checkManifest, newManifest, parseManifest, serializeManifest, transitionManifest, type Manifest, type ManifestStatus } from '../../src/backup/manifest.js';
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
  return transitionManifest(newManifest(id, descriptor(), clock), 'COMPLETED', clock, { files: [file] });
}

describe('manifest', () => {
  it('round-trips through its serialized form', () => {
    const manifest = completed();
    expect(parseManifest(serializeManifest(manifest), 'm')).toEqual(manifest);
  });

  it('rejects an unknown format version before the schema, naming both versions', () => {
    const document = { ...completed(), formatVersion: 2 };
    const error = (() => {
      try {
        parseManifest(Buffer.from(JSON.stringify(document)), 'manifests/1/5/0/manifest.json');
      } catch (caught) {
        return caught as CutlineError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('MANIFEST_VERSION');
    expect(error?.message).toContain('format version 2; this cutline reads version 1 only');
  });

  it('reports every schema violation with where it is', () => {
    const document = { ...completed(), status: 'DONE', files: [{ path: 'segments/x', sizeBytes: -1, sha256: 'zz' }] };
    expect(() => parseManifest(Buffer.from(JSON.stringify(document)), 'm')).toThrow(/\/status must be equal to one of the allowed values \(IN_PROGRESS, COMPLETED, FAILED, DELETED\).*\/files\/0\/sizeBytes.*\/files\/0\/sha256/);
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
    for (const manifest of broken) expect(codeOf(() => checkManifest(manifest, 'm')), JSON.stringify(manifest)).toBe('MANIFEST_INVALID');
    expect(codeOf(() => checkManifest({ ...base, descriptor: descriptor({ snapshotId: null, snapshotProcessedPosition: 0 }) }, 'm'))).toBeUndefined();
  });

  it('allows exactly IN_PROGRESS -> COMPLETED | FAILED and COMPLETED | FAILED -> DELETED', () => {
    const statuses: ManifestStatus[] = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'DELETED'];
    const legal = new Set(['IN_PROGRESS>COMPLETED', 'IN_PROGRESS>FAILED', 'COMPLETED>DELETED', 'FAILED>DELETED']);
    const reach: Record<ManifestStatus, Manifest> = {
      IN_PROGRESS: newManifest(id, descriptor(), clock),
      COMPLETED: completed(),
      FAILED: transitionManifest(newManifest(id, descriptor(), clock), 'FAILED', clock, { failureReason: 'disk full' }),
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
    for (const key of ['manifests/1/5/manifest.json', 'manifests/01/5/0/manifest.json', 'manifests/1/5/0/manifest.json.tmp', 'contents/1/5/0/manifest.json']) {
      expect(parseManifestKey(key)).toBeUndefined();
    }
  });
});
