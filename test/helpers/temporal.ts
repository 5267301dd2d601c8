import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { configFrom } from '../../src/dsl/load-config.js';
import type { FerryConfig } from '../../src/dsl/ferry-config.js';
import type { Db } from '../../src/db/client.js';
import { installRuntime } from '../../src/temporal/runtime.js';
import { createFerryWorker } from '../../src/temporal/worker.js';

/** A unique task queue per test file (and per call), so files never steal each other's tasks. */
export function uniqueQueue(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A client of the run's dev server. */
export async function testClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export interface TestWorkerOptions {
  db: Db;
  taskQueue: string;
  config?: FerryConfig;
  home?: string;
  cwd?: string;
  workflows?: boolean;
  /** Further dependencies (signing key, model server URL). */
  extra?: Partial<ActivityDeps>;
}

/** A real worker on the run's dev server, with the pre-built workflow bundle. Call `worker.shutdown()` when done. */
export async function startTestWorker(options: TestWorkerOptions): Promise<{ worker: Worker; deps: ActivityDeps; done: Promise<void>; stop(): Promise<void> }> {
  installRuntime();
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'ferry-home-'));
  const deps: ActivityDeps = {
    db: options.db,
    store: createFileStore(join(home, 'artifacts')),
    config: configFrom(options.config ?? {}),
    home,
    cwd: options.cwd ?? process.cwd(),
    // Most tests start runs with startRun() and no key; test/security/run-start.test.ts passes 'refuse'.
    unsignedStarts: 'allow',
    ...options.extra,
  };
  const { worker, connection } = await createFerryWorker({
    address: inject('temporalAddress'),
    namespace: 'default',
    taskQueue: options.taskQueue,
    deps,
    workflows: options.workflows,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    deps,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** The failure a workflow's history ends with (its WorkflowExecutionFailed event), if it failed. */
export function failureOf(history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>) {
  return history.events?.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes?.failure ?? undefined;
}
