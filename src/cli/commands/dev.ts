import { resolve } from 'node:path';
import { loadConfig } from '../../config.js';
import { createModelServer } from '../../serve/index.js';
import { readEnv } from '../../env.js';
import { exposeWorkerMetrics } from '../../observability/worker-metrics.js';
import { startStack, writeDevState } from '../../stack.js';
import { hostWorker } from '../../worker-host.js';
import { say } from '../output.js';

/** `ferry dev`: the whole stack in one process tree; Ctrl-C stops it all and leaves no process behind. */
export async function dev(opts: { taskQueue?: string }): Promise<void> {
  const env = readEnv();
  say('Starting Ferry dev: Temporal dev server, Postgres and a worker…');
  const stack = await startStack({ env, persistent: true, onProgress: say });
  let withdraw = () => {};
  try {
    const metrics = await exposeWorkerMetrics({ db: stack.database.db });
    const server = await createModelServer({ db: stack.database.db, config: await loadConfig(), port: 0 });
    const { worker, connection } = await hostWorker({ env, address: stack.temporalAddress, db: stack.database.db, taskQueue: opts.taskQueue, serveUrl: server.url });
    withdraw = writeDevState(env.FERRY_HOME, {
      temporalAddress: stack.temporalAddress,
      namespace: stack.namespace,
      databaseUrl: stack.databaseUrl,
      uiUrl: stack.uiUrl,
      serveUrl: server.url,
    });
    say('');
    say(`  Temporal UI   ${stack.uiUrl ?? '(external server: see your cluster\'s UI)'}`);
    say(`  Temporal      ${stack.temporalAddress} (${stack.embedded.temporal ? 'dev server, data in ' + resolve(env.FERRY_HOME, 'temporal.db') : 'TEMPORAL_ADDRESS'})`);
    say(`  Postgres      ${stack.databaseUrl} (${stack.embedded.postgres ? 'embedded PGlite, data in ' + resolve(env.FERRY_HOME, 'pgdata') : 'DATABASE_URL'})`);
    say(`  Model server  ${server.url}  (POST /v1/models/<name>/predict)`);
    say(`  Worker        task queue "${worker.options.taskQueue}"`);
    say(`  Metrics       ${metrics.url} (worker and Temporal SDK), ${server.url}/metrics (model server)`);
    say('');
    say('In another terminal: npx ferry run pipelines/hello.ts --wait    then: npx ferry status');
    say('Press Ctrl-C to stop.');
    try {
      await worker.run();
    } finally {
      await server.close();
      await connection.close();
      await metrics.close();
    }
  } finally {
    withdraw();
    await stack.stop();
  }
}
