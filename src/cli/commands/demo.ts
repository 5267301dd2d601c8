import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPipelineFile } from '../../dsl/load.js';
import { readEnv } from '../../env.js';
import { FerryError } from '../../errors.js';
import { startRun } from '../../runs/start.js';
import { watchRun } from '../../runs/watch.js';
import { readDevState, startStack } from '../../stack.js';
import { hostWorker } from '../../worker-host.js';
import { say, workflowUrl } from '../output.js';

/** `ferry demo`: the example pipeline end to end on the embedded defaults, in one process. */
export async function demo(opts: { reset?: boolean }): Promise<void> {
  const env = readEnv();
  const home = resolve(env.FERRY_HOME);
  if (readDevState(env.FERRY_HOME)) throw new FerryError(`'ferry dev' is running for ${home}; stop it (Ctrl-C) before 'npm run demo', which starts its own`);
  if (opts.reset && existsSync(home)) {
    rmSync(home, { recursive: true, force: true });
    say(`Reset: removed ${home}.`);
  } else if (existsSync(resolve(home, 'pgdata'))) {
    say(`Reusing ${home} from an earlier run (its runs stay in the history); 'npm run demo -- --reset' starts afresh.`);
  }
  const loaded = await loadPipelineFile('pipelines/hello.ts');
  say('Starting the stack: Temporal dev server, embedded Postgres, worker…');
  const stack = await startStack({ env, persistent: true, onProgress: say });
  try {
    const { worker, connection } = await hostWorker({ env, address: stack.temporalAddress, db: stack.database.db });
    try {
      await worker.runUntil(async () => {
        const { Client } = await import('@temporalio/client');
        const client = new Client({ connection: await (await import('@temporalio/client')).Connection.connect({ address: stack.temporalAddress }), namespace: stack.namespace });
        try {
          const handle = await startRun(client, loaded, { taskQueue: env.FERRY_TASK_QUEUE, trigger: 'demo', triggeredBy: 'demo' });
          const url = workflowUrl(stack.uiUrl, stack.namespace, handle.workflowId);
          say(`Run ${handle.workflowId} of pipeline ${loaded.spec.name}`);
          if (url) say(`  Temporal UI: ${url}`);
          const status = await watchRun(handle, say);
          if (status?.state !== 'succeeded') throw new FerryError(`demo run ${handle.workflowId} ${status?.state ?? 'failed'}: ${status?.error ?? 'see the Temporal UI'}`);
          say('');
          say(`Done: run ${handle.workflowId} succeeded at commit ${status.commit?.slice(0, 12)} with ${JSON.stringify(status.metrics)}.`);
          if (url) say(`  Temporal UI: ${url}`);
          say(`Explore it: npx ferry dev   (then, in another terminal: npx ferry status ${handle.workflowId})`);
        } finally {
          await client.connection.close();
        }
      });
    } finally {
      await connection.close();
    }
  } finally {
    await stack.stop();
  }
}
