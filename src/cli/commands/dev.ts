import { resolve } from 'node:path';
import { readEnv } from '../../env.js';
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
    const { worker, connection } = await hostWorker({ env, address: stack.temporalAddress, db: stack.database.db, taskQueue: opts.taskQueue });
    withdraw = writeDevState(env.FERRY_HOME, {
      temporalAddress: stack.temporalAddress,
      namespace: stack.namespace,
      databaseUrl: stack.databaseUrl,
      uiUrl: stack.uiUrl,
    });
    say('');
    say(`  Temporal UI   ${stack.uiUrl ?? '(external server: see your cluster\'s UI)'}`);
    say(`  Temporal      ${stack.temporalAddress} (${stack.embedded.temporal ? 'dev server, data in ' + resolve(env.FERRY_HOME, 'temporal.db') : 'TEMPORAL_ADDRESS'})`);
    say(`  Postgres      ${stack.databaseUrl} (${stack.embedded.postgres ? 'embedded PGlite, data in ' + resolve(env.FERRY_HOME, 'pgdata') : 'DATABASE_URL'})`);
    say(`  Worker        task queue "${worker.options.taskQueue}"`);
    say('');
    say('In another terminal: npx ferry run pipelines/hello.ts --wait    then: npx ferry status');
    say('Press Ctrl-C to stop.');
    try {
      await worker.run();
    } finally {
      await connection.close();
    }
  } finally {
    withdraw();
    await stack.stop();
  }
}
