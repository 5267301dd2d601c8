import { openArtifactStore } from './artifacts/open.js';
import type { Worker } from '@temporalio/worker';
import { loadConfig } from './dsl/load-config.js';
import { devPorts, type FerryEnv } from './settings.js';
import { watchProcessHealth } from './health/index.js';
import { exposeWorkerMetrics } from './observability/worker-metrics.js';
import { stopSharedMlservers } from './mlserver/server.js';
import { createModelServer, type ModelServer } from './serve/index.js';
import { startStack, writeDevState, type Stack } from './stack.js';
import { assertPortFree } from './temporal/dev-server.js';
import { hostWorker, startMlflowMirrorFor, startRunReconciler, watchWorkerServices } from './worker-host.js';

export interface DevStack {
  stack: Stack;
  server: ModelServer;
  metricsUrl: string;
  worker: Worker;
  /** Stops everything started here, in reverse order; always call it in `finally`. */
  stop(): Promise<void>;
}

/**
 * What `ferry dev` and `ferry demo` run in one process: the stack (dev server, embedded Postgres unless configured),
 * worker metrics, the model server, a worker that deploys to it, the dev state other `ferry` processes read, and the
 * health of the outside services it uses (probed, logged, in `ferry status`).
 * The worker is created, not run: the caller runs it (in the foreground, or beside other work).
 */
export async function startDevStack(options: { env: FerryEnv; taskQueue?: string; refreshMs?: number; stablePorts?: boolean; onProgress: (line: string) => void }): Promise<DevStack> {
  const { env } = options;
  // Slack, an alert receiver or a deploy target being down is degraded service, shown in `ferry status`; never a crash.
  const unwatch = watchProcessHealth({ home: env.FERRY_HOME, role: 'ferry dev' });
  // `ferry dev` listens where it did last time (FERRY_*_PORT), so links, clients and dashboards survive restarts.
  const stable = options.stablePorts === true;
  const ports = devPorts(env);
  if (stable) {
    await assertPortFree(ports.serve, 'the model server', 'FERRY_SERVE_PORT');
    await assertPortFree(ports.metrics, 'the worker metrics', 'FERRY_METRICS_PORT');
  }
  const stack = await startStack({ env, persistent: true, stablePorts: stable, onProgress: options.onProgress }).catch((err: unknown) => {
    unwatch();
    throw err;
  });
  const stops: (() => Promise<void>)[] = [async () => unwatch(), stack.stop];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
  try {
    const metrics = await exposeWorkerMetrics({ db: stack.database.db, port: stable ? ports.metrics : undefined });
    stops.push(metrics.close);
    // MLServer, if a deploy to the mlserver target started one: stopped after the gateway that routes to it.
    stops.push(stopSharedMlservers);
    const server = await createModelServer({ db: stack.database.db, config: await loadConfig(), port: stable ? ports.serve : 0, refreshMs: options.refreshMs, store: openArtifactStore(env) });
    stops.push(server.close);
    const { worker, connection } = await hostWorker({ env, address: stack.temporalAddress, db: stack.database.db, taskQueue: options.taskQueue, serveUrl: server.url });
    stops.push(() => connection.close());
    const unprobe = watchWorkerServices(env);
    stops.push(async () => unprobe());
    stops.push(await startRunReconciler({ address: stack.temporalAddress, namespace: stack.namespace, db: stack.database.db, anchorTaskQueue: env.FERRY_TASK_QUEUE, servingReconcile: { mode: env.FERRY_RECONCILE, every: env.FERRY_RECONCILE_EVERY } }));
    const ui = stack.uiUrl ? `${stack.uiUrl}/namespaces/${stack.namespace}` : undefined;
    stops.push(await startMlflowMirrorFor({ env, db: stack.database.db, databaseUrl: env.DATABASE_URL, temporalUiUrl: ui }));
    const withdraw = writeDevState(env.FERRY_HOME, { temporalAddress: stack.temporalAddress, namespace: stack.namespace, databaseUrl: stack.databaseUrl, uiUrl: stack.uiUrl, serveUrl: server.url });
    stops.push(async () => withdraw());
    return { stack, server, metricsUrl: metrics.url, worker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
