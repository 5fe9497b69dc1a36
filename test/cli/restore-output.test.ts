// What `cutline restore` shows while it runs: the progress bar on a terminal.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressView } from '../../src/cli/commands/restore-output.js';
import type { RestorePlan } from '../../src/restore/restore-plan.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the bar with stderr posing as a terminal and returns what it wrote. */
function drawn(show: (view: ReturnType<typeof progressView>) => void, plan: Pick<RestorePlan, 'totalBytes' | 'totalFiles'>): string {
  let written = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((written += String(chunk)), true));
  const wasTty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
  try {
    const view = progressView(true, plan as RestorePlan);
    show(view);
    view.stop();
  } finally {
    if (wasTty === undefined) delete (process.stderr as { isTTY?: boolean }).isTTY;
    else Object.defineProperty(process.stderr, 'isTTY', wasTty);
  }
  return written;
}

describe('the restore progress bar', () => {
  it('shows the bytes done and the bytes in all in the same unit', () => {
    const output = drawn((view) => view.update({ bytesDone: 619_170, bytesTotal: 619_170, filesDone: 3, filesTotal: 3 }), {
      totalBytes: 619_170,
      totalFiles: 3,
    });
    expect(output).toContain('604.7 KiB of 604.7 KiB | 3/3 files');
    expect(output).not.toContain('619170');
  });
});
