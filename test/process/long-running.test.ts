import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addUser } from '../../src/auth/index.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { searchAttributes } from '../../src/core/search-attributes.js';
import { runFerry, waitFor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git.js';
import { approveClick, sendInteraction, startFakeSlackApi, until } from '../slack/fake-slack.js';
import { loadOrCreateKey } from '../../src/auth/keys.js';
import { childEnv, processSet, type FerryProcess } from './spawn.js';

const ferrySrc = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const helloSteps = fileURLToPath(new URL('../../pipelines/hello/steps.ts', import.meta.url));
const SIGNING_SECRET = 'process-test-signing-secret-0123456789';
const HOOK_SECRET = 'process-test-hook-secret';
const CHANNEL = 'C0PROCESS';
const POINTS: [number, number][] = [[0, 1], [1, 3.1], [2, 4.9], [3, 7.2]];

// A project as a user has it: the hello pipeline with a staging approval, a push-triggered pipeline, and a
// ferry.config.ts with the hello step and a predictor for its fitted line.
const project = {
  'package.json': '{ "type": "module" }\n',
  'version.txt': 'v1\n',
  'ferry.config.ts': `import { readFileSync } from 'node:fs';
import { defineConfig, definePredictor } from ${JSON.stringify(ferrySrc)};
import { fitLine } from ${JSON.stringify(helloSteps)};
const line = definePredictor('hello', (file) => {
  const { a, b } = JSON.parse(readFileSync(file, 'utf8'));
  return (rows) => rows.map((r) => a * Number(r.x) + b);
});
export default defineConfig({ steps: [fitLine], predictors: [line] });
`,
  'pipelines/hello.ts': `import { approval, command, definePipeline, gate, step } from ${JSON.stringify(ferrySrc)};
export default definePipeline({
  name: 'hello',
  build: [command('check', 'node --version && git log -1 --format=%H')],
  train: step('fit', 'hello.fit-line', { points: ${JSON.stringify(POINTS)} }),
  evaluate: { gates: [gate.min('r2', 0.9)] },
  deploy: [{ env: 'staging', approval: approval({ groups: ['ml-leads'] }) }],
});
`,
  'pipelines/pushed.ts': `import { command, definePipeline } from ${JSON.stringify(ferrySrc)};
export default definePipeline({ name: 'pushed', on: { push: { branches: ['main'] } }, build: [command('show', 'cat version.txt')] });
`,
};

/** The least-squares line through POINTS, as the hello step fits it. */
function fittedLine(): { a: number; b: number } {
  const n = POINTS.length;
  const mx = POINTS.reduce((s, [x]) => s + x, 0) / n;
  const my = POINTS.reduce((s, [, y]) => s + y, 0) / n;
  const a = POINTS.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / POINTS.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return { a, b: my - a * mx };
}

// Each long-running command as the separate OS process an operator starts, against the test run's Temporal dev server
// and a Postgres (PGlite) this file serves: `ferry worker` runs pipelines, `ferry serve` serves what they deploy,
// `ferry slack` approves from signed clicks, `ferry webhook` starts runs from signed pushes. Slack's Web API is a local
// stand-in (test/slack/fake-slack.ts); everything else is real.
describe('the long-running commands as processes', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-proc-home-'));
  const namespace = `ferry-proc-${randomBytes(4).toString('hex')}`;
  const taskQueue = `proc-${randomBytes(4).toString('hex')}`;
  const procs = processSet();
  let repo: string;
  let pg: EmbeddedPostgres;
  let database: Database;
  let api: Awaited<ReturnType<typeof startFakeSlackApi>>;
  let connection: Connection;
  let client: Client;
  let aliceToken: string;
  let worker: FerryProcess;
  let serveUrl: string;
  let slackUrl: string;
  let hookUrl: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    repo = makeRepo(project);
    pg = await startEmbeddedPostgres();
    database = createDatabase(pg.url);
    await migrateDatabase(database.db);
    const { token } = await addUser(database.db, undefined, { name: 'root' });
    aliceToken = (await addUser(database.db, token, { name: 'alice', role: 'engineer', slackUserId: 'UALICE' })).token;
    await addUser(database.db, token, { name: 'bob', role: 'approver', groups: ['ml-leads'], slackUserId: 'UBOB' });
    api = await startFakeSlackApi();
    // A namespace of its own, without Ferry's search attributes: `ferry worker` must register them.
    connection = await Connection.connect({ address: inject('temporalAddress') });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    client = new Client({ connection, namespace });
    // The deployment's signing identity, which `ferry worker` on a cluster must be pinned to: the webhook's service key.
    const verifyKey = loadOrCreateKey('webhook', { service: true, ferryHome: home }).keyId;
    env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace, DATABASE_URL: pg.url, FERRY_HOME: home, FERRY_TASK_QUEUE: taskQueue, FERRY_VERIFY_KEY: verifyKey, FERRY_STEP_ISOLATION: 'none' };

    const serve = await procs.start('ferry serve', ['serve', '--port', '0', '--refresh-ms', '100'], /Ferry model server on (http:\/\/[^\s]+)/, { cwd: repo, env });
    serveUrl = serve.ready[1]!;
    const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-process-test', SLACK_API_URL: api.url };
    [worker] = await Promise.all([
      procs.start('ferry worker', ['worker'], /Ferry worker polling task queue/, { cwd: repo, env: { ...env, ...slackEnv, FERRY_SERVE_URL: serveUrl, FERRY_SLACK_CHANNEL: CHANNEL }, timeoutMs: 180_000 }),
      procs.start('ferry slack', ['slack', '--port', '0'], /Interactivity Request URL at (http:\/\/[^\s]+)/, { cwd: repo, env: { ...env, ...slackEnv, SLACK_SIGNING_SECRET: SIGNING_SECRET } }).then((p) => (slackUrl = p.ready[1]!)),
      procs.start('ferry webhook', ['webhook', '--port', '0'], /Push webhook listening at (http:\/\/[^\s]+\/hooks\/git)/, { cwd: repo, env: { ...env, FERRY_WEBHOOK_SECRET: HOOK_SECRET } }).then((p) => (hookUrl = p.ready[1]!)),
    ]);
  });

  afterAll(async () => {
    const stopped = await procs.stopAll();
    await connection?.close();
    await api?.close();
    await database?.close();
    await pg?.stop();
    rmSync(home, { recursive: true, force: true });
    // Each stops cleanly on SIGINT (Ctrl-C) and leaves nothing running.
    expect(stopped.sort((x, y) => x.name.localeCompare(y.name))).toEqual(['ferry serve', 'ferry slack', 'ferry webhook', 'ferry worker'].map((name) => ({ name, code: 0, leftBehind: [] })));
  });

  it('ferry worker registers Ferry\u2019s search attributes on the cluster of TEMPORAL_ADDRESS', async () => {
    expect(worker.output()).toMatch(/Registered search attributes: Ferry/);
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(Object.values(searchAttributes).map((a) => a.name)));
  });

  it('runs hello on ferry worker to its approval; a signed click on ferry slack approves it; ferry serve serves the model', async () => {
    const started = await runFerry(['run', 'pipelines/hello.ts', '--format', 'json'], { cwd: repo, env: childEnv({ ...env, FERRY_TOKEN: aliceToken }) });
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

    // The worker process built, trained, gated and registered the model, then asked for approval in Slack.
    await until(() => api.calls.some((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes(workflowId)), 'the approval request in Slack', 120_000);
    const status = await runFerry(['status', workflowId, '--format', 'json'], { cwd: repo, env: childEnv(env) });
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { live: { state: string } }).live.state).toBe('waiting');

    const { ts, payload: click } = approveClick(api.calls, workflowId, { channel: CHANNEL, user: 'UBOB' })!;
    expect((await sendInteraction(slackUrl, click, { secret: 'not-the-signing-secret' })).status).toBe(401);
    expect((await sendInteraction(slackUrl, click, { secret: SIGNING_SECRET })).status).toBe(200);

    const result = (await client.workflow.getHandle(workflowId).result()) as { state: string; deployments: { env: string; version: number; state: string }[] };
    expect(result).toMatchObject({ state: 'succeeded', deployments: [{ env: 'staging', version: 1, state: 'live' }] });
    await until(() => api.calls.some((c) => c.method === 'chat.update' && c.args.ts === ts && JSON.stringify(c.args).includes('bob')), 'the Slack message updated with the approver', 15_000);

    const health = await fetch(`${serveUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const { a, b } = fittedLine();
    const served = await waitFor(async () => {
      const res = await fetch(`${serveUrl}/v1/models/hello/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ env: 'staging', inputs: [{ x: 4 }, { x: 10 }] }) });
      return res.status === 200 ? ((await res.json()) as { version: number; outputs: number[] }) : undefined;
    }, 30_000, 'a prediction from ferry serve');
    expect(served.version).toBe(1);
    expect(served.outputs[0]).toBeCloseTo(a * 4 + b, 10);
    expect(served.outputs[1]).toBeCloseTo(a * 10 + b, 10);
  });

  it('ferry webhook refuses an unsigned push and starts the pushed pipeline from a signed one, which ferry worker runs', async () => {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: commit,
      deleted: false,
      repository: { full_name: 'acme/models', clone_url: 'https://github.com/acme/models.git' },
      pusher: { name: 'dana', email: 'dana@acme.invalid' },
      sender: { login: 'dana' },
      commits: [],
    });
    const push = (delivery: string, signature?: string) =>
      fetch(hookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, ...(signature ? { 'x-hub-signature-256': signature } : {}) } });

    expect((await push(randomUUID())).status).toBe(401);
    const delivery = randomUUID();
    const accepted = await push(delivery, `sha256=${createHmac('sha256', HOOK_SECRET).update(body).digest('hex')}`);
    expect(accepted.status).toBe(202);
    const answer = (await accepted.json()) as { started: string[]; commit: string };
    expect(answer).toMatchObject({ started: [`pushed-push-${delivery}`], commit });
    const result = (await client.workflow.getHandle(`pushed-push-${delivery}`).result()) as { state: string; commit: string };
    expect(result).toMatchObject({ state: 'succeeded', commit });
  });
});
