import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../src/temporal/dev-server.js';
import { provisionTemporalCli } from '../src/temporal/provision.js';
import { workflowBundlerOptions, workflowsPath } from '../src/temporal/worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/**
 * Starts one real Temporal dev server (headless, in memory) and bundles the workflow code once for the whole run,
 * with the bundler options a worker uses (the shared preloaded modules among them).
 * With TEMPORAL_ADDRESS set, uses that server. No server → the run fails with the provisioning error; nothing skips.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-test-'));
  // People's private signing keys (src/auth/keys.ts) go to this run's own config directory, not ~/.config/ferry.
  process.env.FERRY_CONFIG_DIR ??= join(dir, 'config');
  const bundle = await bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowBundlePath', bundlePath);
  let stop = async () => {};
  if (process.env.TEMPORAL_ADDRESS) {
    project.provide('temporalAddress', process.env.TEMPORAL_ADDRESS);
  } else {
    const binary = await provisionTemporalCli({ explicitPath: process.env.TEMPORAL_CLI });
    const server = await startDevServer({ binary, headless: true });
    project.provide('temporalAddress', server.address);
    stop = server.stop;
  }
  return async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
