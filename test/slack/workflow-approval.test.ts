import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/auth/index.js';
import type { Session } from '../../src/cli/session.js';
import { slackSigner, workflowApprovalPort } from '../../src/cli/commands/slack.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { aliases } from '../../src/db/schema/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { createSlackApp, type SlackApp } from '../../src/slack/index.js';
import { createSlackNotifier } from '../../src/slack/notifier.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { predictor, trainStep } from '../lifecycle/fixture.js';
import { approveClick, sendInteraction, startFakeSlackApi, until } from './fake-slack.js';

const SECRET = 'workflow-signing-secret-0123456789';
const CHANNEL = 'C0APPROVALS';

// Slack end to end: the worker posts the request, a signed click approves through the real workflow Update, the run
// deploys and the message is updated in place; forged and stale clicks change nothing.
describe.each(backends())('approving from Slack through the real workflow ($name)', (backend) => {
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof startFakeSlackApi>>;
  let slack: SlackApp;
  let url: string;
  let server: ModelServer;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const taskQueue = uniqueQueue('slack-e2e');
  const model = `slack-${backend.name}`;

  beforeAll(async () => {
    database = await backend.create();
    const { token } = await addUser(database.db, undefined, { name: 'root' });
    await addUser(database.db, token, { name: 'alice', role: 'engineer', slackUserId: 'UALICE' });
    await addUser(database.db, token, { name: 'bob', role: 'approver', groups: ['ml-leads'], slackUserId: 'UBOB' });
    api = await startFakeSlackApi();
    temporal = await testClient();
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [{ ...predictor, model }] }), port: 0, refreshMs: 100 });
    const notify = createSlackNotifier({ db: database.db, botToken: 'xoxb-test', channel: CHANNEL, apiUrl: api.url });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [trainStep] }, cwd: makeRepo({ 'README.md': 'slack\n' }), extra: { serveUrl: server.url, notify } });
    const session = { client: temporal.client, database: { db: database.db } } as unknown as Session;
    slack = createSlackApp({ signingSecret: SECRET, botToken: 'xoxb-test', apiUrl: api.url, approvals: workflowApprovalPort(session, await slackSigner(database.db)), db: database.db, port: 0, host: '127.0.0.1' });
    url = (await slack.start()).url!;
  });
  afterAll(async () => {
    await slack?.stop();
    await worker?.stop();
    await server?.close();
    await temporal?.close();
    await api?.close();
    await database?.close();
  });

  it('a signed Approve click deploys; forged and five-minute-old clicks get 401 and change nothing', async () => {
    const loaded = parsePipeline(definePipeline({ name: model, model, train: step('train', 'lc.train', { quality: 0.9 }), deploy: [{ env: 'production', approval: approval({ groups: ['ml-leads'] }) }] }), `${model}.ts`);
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    await until(() => api.calls.some((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes(handle.workflowId)), 'the approval request in Slack', 60_000);
    const { ts, payload } = approveClick(api.calls, handle.workflowId, { channel: CHANNEL, user: 'UBOB' })!;

    const before = api.calls.length;
    expect((await sendInteraction(url, payload, { secret: 'forged-secret' })).status).toBe(401);
    expect((await sendInteraction(url, payload, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect(api.calls.slice(before).filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect((await handle.query(statusQuery)).state).toBe('waiting');

    expect((await sendInteraction(url, payload, { secret: SECRET })).status).toBe(200);
    const result = await handle.result();
    expect(result).toMatchObject({ state: 'succeeded', deployments: [{ env: 'production', version: 1, state: 'live' }] });
    const [production] = await database.db.select().from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production')));
    expect(production!.version).toBe(1);
    await until(() => api.calls.some((c) => c.method === 'chat.update' && c.args.ts === ts), 'the message updated in place', 15_000);
    const update = api.calls.find((c) => c.method === 'chat.update' && c.args.ts === ts)!;
    expect(JSON.stringify(update.args)).toMatch(/bob/);
  });
});
