// Test runner configuration: every test under test/, type-checked separately by `npm run typecheck`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time even on two cores (vitest's default is one fewer than the cores): most files wait on
    // child processes, servers and timers, and every test waits for what it needs rather than for a guessed time.
    maxWorkers: 2,
  },
});
