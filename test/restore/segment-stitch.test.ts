// Stitching segment copies: a later copy must extend the earlier one byte for byte, or the restore stops with RESTORE_STITCH.
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSegmentExtends } from '../../src/restore/segment-stitch.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('segment-stitch');

async function copies(earlier: Buffer, later: Buffer): Promise<[string, string]> {
  const directory = await freshDirectory();
  const paths: [string, string] = [join(directory, 'earlier'), join(directory, 'later')];
  await writeFile(paths[0], earlier);
  await writeFile(paths[1], later);
  return paths;
}

const describeCopies = (): string => "partition 1: backup 7's copy of segment 2 does not extend backup 4's";
const bytes = (length: number, start = 0): Buffer => Buffer.from(Array.from({ length }, (_, index) => (start + index) % 251));

describe('segment stitching', () => {
  it('keeps a longer later copy, and an equal one is not longer', async () => {
    expect(checkSegmentExtends(...(await copies(bytes(1000), bytes(3000))), describeCopies)).toBe(true);
    expect(checkSegmentExtends(...(await copies(bytes(3000), bytes(3000))), describeCopies)).toBe(false);
  });

  it('refuses a later copy that differs within the overlap or is shorter, saying where', async () => {
    const changed = bytes(3000);
    changed[2500] = (changed[2500] ?? 0) ^ 1;
    const [base, damaged] = await copies(bytes(2600), changed);
    expect(() => checkSegmentExtends(base, damaged, describeCopies)).toThrowError(
      /does not extend backup 4's: the copies differ within bytes 0\.\.2599, so the overlapping records are not identical$/,
    );
    expect(() => checkSegmentExtends(base, damaged, describeCopies)).toThrowError(
      expect.objectContaining({ code: 'RESTORE_STITCH' }) as Error,
    );
    const [earlier, later] = await copies(bytes(3000), bytes(2000));
    expect(() => checkSegmentExtends(earlier, later, describeCopies)).toThrowError(
      "partition 1: backup 7's copy of segment 2 does not extend backup 4's: the later copy is 2000 bytes, shorter than the earlier copy's 3000",
    );
  });
});
