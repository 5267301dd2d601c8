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
    // Test files start many stacks at once: every `ferry dev` on free ports, not the stable 7233/8233/8080/9464.
    // One audit key for every process a test starts (each has its own FERRY_HOME), as in a deployment.
    env: { FERRY_AUDIT_SECRET: 'test-audit-key-shared-by-every-process', FERRY_LOG_LEVEL: 'error', FERRY_TEMPORAL_PORT: '0', FERRY_TEMPORAL_UI_PORT: '0', FERRY_SERVE_PORT: '0', FERRY_METRICS_PORT: '0' },
  },
});
