import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { redactUrl } from '../../db/embedded.js';
import { envValue, readEnv } from '../../settings.js';
import { startDevStack } from '../../dev-stack.js';
import { Client, Connection } from '@temporalio/client';
import { slackAppFromEnv } from '../../slack/index.js';
import { slackSigner, workflowApprovalPort } from './slack.js';
import { say } from '../output.js';

/** The start-up hint: a pipeline that exists here (pipelines/*.ts, hello first if present), or how to make one. */
export function startHint(cwd: string): string {
  const dir = join(cwd, 'pipelines');
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(ts|mts|js|mjs)$/.test(f)).sort() : [];
  const pick = found.find((f) => f.startsWith('hello.')) ?? found[0];
  return pick
    ? `In another terminal: npx ferry run pipelines/${pick} --wait    then: npx ferry status`
    : 'No pipeline here yet (pipelines/*.ts): npx ferry init scaffolds one, then: npx ferry run pipelines/<name>.ts --wait';
}

/** `ferry dev`: the whole stack in one process tree; Ctrl-C stops it all and leaves no process behind. */
export async function dev(opts: { taskQueue?: string }): Promise<void> {
  const env = readEnv();
  say('Starting Ferry dev: Temporal dev server, Postgres and a worker…');
  const dev = await startDevStack({ env, taskQueue: opts.taskQueue, stablePorts: true, onProgress: say });
  const { stack, server, worker } = dev;
  try {
    // With SLACK_* set, approvals can also come from Slack: the app runs here, beside the worker.
    const slackConnection = env.SLACK_BOT_TOKEN ? await Connection.connect({ address: stack.temporalAddress }) : undefined;
    const slack = slackConnection
      ? slackAppFromEnv(env, {
          db: stack.database.db,
          approvals: workflowApprovalPort({ client: new Client({ connection: slackConnection, namespace: stack.namespace }), database: stack.database }, await slackSigner(stack.database.db, env.FERRY_HOME)),
          port: Number(envValue('FERRY_SLACK_PORT') ?? 0),
        })
      : undefined;
    const slackUrl = slack ? (await slack.start()).url : undefined;
    say('');
    say(`  Temporal UI   ${stack.uiUrl ?? '(external server: see your cluster\'s UI)'}`);
    say(`  Temporal      ${stack.temporalAddress} (${stack.embedded.temporal ? 'dev server, data in ' + resolve(env.FERRY_HOME, 'temporal.db') : 'TEMPORAL_ADDRESS'})`);
    say(`  Postgres      ${redactUrl(stack.databaseUrl)} (${stack.embedded.postgres ? 'embedded PGlite, data in ' + resolve(env.FERRY_HOME, 'pgdata') : 'DATABASE_URL'})`);
    say(`  Model server  ${server.url}  (POST /v1/models/<name>/predict)`);
    say(`  Worker        task queue "${worker.options.taskQueue}"`);
    say(`  Metrics       ${dev.metricsUrl} (worker and Temporal SDK), ${server.url}/metrics (model server)`);
    if (slack) say(`  Slack app     ${slack.mode === 'socket' ? 'Socket Mode' : `${slackUrl} (point the app's Interactivity Request URL here)`}`);
    say('');
    say(startHint(process.cwd()));
    say('Press Ctrl-C to stop.');
    try {
      await worker.run();
    } finally {
      await slack?.stop();
      await slackConnection?.close();
    }
  } finally {
    await dev.stop();
  }
}
