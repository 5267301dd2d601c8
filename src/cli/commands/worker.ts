import { checkVerificationKey, requireVerificationKey } from '../../auth/deployment-key.js';
import { createDatabase } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { readEnv } from '../../settings.js';
import { watchProcessHealth } from '../../health/index.js';
import { exposeWorkerMetrics } from '../../observability/worker-metrics.js';
import { resolveEndpoints } from '../../stack.js';
import { registerSearchAttributes } from '../../temporal/register-search-attributes.js';
import { hostWorker, requireStepIsolation, startMlflowMirrorFor, startRunReconciler, watchWorkerServices } from '../../worker-host.js';
import { say } from '../output.js';

/** `ferry worker`: one more worker for a shared stack (a Temporal cluster and a Postgres server, or a running ferry dev). */
export async function worker(opts: { taskQueue?: string; config?: string }): Promise<void> {
  const env = readEnv();
  // Before anything connects: a worker on a cluster without the deployment's key must not start at all.
  requireVerificationKey(env);
  const isolation = requireStepIsolation(env);
  if (isolation.warning) say(`warning: ${isolation.warning}`);
  const endpoints = resolveEndpoints(env);
  const database = createDatabase(endpoints.databaseUrl);
  // Slack, an alert receiver or a deploy target being down is degraded service, shown in `ferry status`; never a crash.
  const unwatch = watchProcessHealth({ home: env.FERRY_HOME, role: 'ferry worker' });
  const unprobe = watchWorkerServices(env);
  try {
    await migrateDatabase(database.db);
    const pinned = await checkVerificationKey(database.db, env);
    if (pinned.warning) say(pinned.warning);
    const added = await registerSearchAttributes(endpoints.temporalAddress, endpoints.namespace);
    if (added.length > 0) say(`Registered search attributes: ${added.join(', ')}`);
    const metrics = await exposeWorkerMetrics({ db: database.db });
    const { worker: w, connection } = await hostWorker({ env, address: endpoints.temporalAddress, db: database.db, taskQueue: opts.taskQueue, configFile: opts.config });
    say(`Ferry worker polling task queue "${w.options.taskQueue}" on ${endpoints.temporalAddress} (Ctrl-C to stop)`);
    say(`Metrics at ${metrics.url} (FERRY_METRICS_PORT sets the port)`);
    const stopReconciler = await startRunReconciler({ address: endpoints.temporalAddress, namespace: endpoints.namespace, db: database.db, anchorTaskQueue: env.FERRY_TASK_QUEUE, servingReconcile: { mode: env.FERRY_RECONCILE, every: env.FERRY_RECONCILE_EVERY } });
    const stopMirror = await startMlflowMirrorFor({ env, db: database.db, databaseUrl: env.DATABASE_URL });
    try {
      await w.run();
    } finally {
      await stopMirror();
      await stopReconciler();
      await connection.close();
      await metrics.close();
    }
  } finally {
    unprobe();
    unwatch();
    await database.close();
  }
}
