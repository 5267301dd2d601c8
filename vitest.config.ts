import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Temporal dev server and one workflow bundle per test run; files get their own task queues.
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: files run two at a time, each with its own PGlite and worker.
    pool: 'forks',
    maxWorkers: 2,
    silent: 'passed-only',
    env: { FERRY_LOG_LEVEL: 'error' },
  },
});
