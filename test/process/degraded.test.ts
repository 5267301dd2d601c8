import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWebhookAlert, sendAlert, verifySignature } from '../../src/alerts/index.js';
import { outsideService, serviceStates } from '../../src/health/index.js';
import { createSlackApp } from '../../src/slack/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { runFerry, waitFor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git.js';
import { startFakeSlackApi } from '../slack/fake-slack.js';
import { childEnv, closedPort, processSet, type FerryProcess } from './spawn.js';

const ferrySrc = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const helloSteps = fileURLToPath(new URL('../../pipelines/hello/steps.ts', import.meta.url));
const SECRET = 'degraded-test-webhook-secret';

/** A deploy receiver as a platform team would write one: checks Ferry's signature, keeps the routes it was given. */
function startDeployReceiver(port: number): Promise<{ server: Server; deploys: unknown[] }> {
  const deploys: unknown[] = [];
  const live = new Map<string, { generation: number; routes: unknown[] }>();
  let generation = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (!verifySignature(body, SECRET, req.headers['x-ferry-signature'] as string | undefined)) return void res.writeHead(401).end('{}');
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        const request = JSON.parse(body) as { model: string; env: string; routes: unknown[] };
        deploys.push(request);
        live.set(`${request.model}/${request.env}`, { generation: ++generation, routes: request.routes });
        return void res.end(JSON.stringify({ generation }));
      }
      const [, , model, env] = (req.url ?? '').split('/');
      res.end(JSON.stringify(live.get(`${model}/${env}`) ?? { generation: 0, routes: [] }));
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, deploys })));
}

const close = (server: Server | undefined) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

// `ferry dev` with every outside service it is configured for down: Slack's Web API (SLACK_API_URL), the alert webhook
// and the deploy webhook all point at closed 127.0.0.1 ports. Before, Bolt's unawaited auth.test killed the process
// at start-up. Now the stack stays up, logs and shows the degradation, keeps serving, and recovers when they return.
// (MLflow is not integrated yet, so it is not among them.) Slack's Web API comes back as the local stand-in.
describe('ferry dev with Slack, the alert receiver and the deploy target unreachable', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-degraded-home-'));
  const taskQueue = `degraded-${randomBytes(4).toString('hex')}`;
  const procs = processSet();
  let repo: string;
  let ports: { slack: number; alert: number; deploy: number };
  let env: NodeJS.ProcessEnv;
  let dev: FerryProcess;
  let connection: Connection;
  let client: Client;
  let receiver: Awaited<ReturnType<typeof startDeployReceiver>> | undefined;
  let slackApi: Awaited<ReturnType<typeof startFakeSlackApi>> | undefined;

  const status = async (args: string[] = []) => {
    const result = await runFerry(['status', ...args], { cwd: repo, env: childEnv(env) });
    expect(result.code, result.stderr).toBe(0);
    return result;
  };

  beforeAll(async () => {
    repo = makeRepo({
      'package.json': '{ "type": "module" }\n',
      'ferry.config.ts': `import { defineConfig } from ${JSON.stringify(ferrySrc)};
import { fitLine } from ${JSON.stringify(helloSteps)};
export default defineConfig({ steps: [fitLine] });
`,
      'pipelines/shipped.ts': `import { definePipeline, step } from ${JSON.stringify(ferrySrc)};
export default definePipeline({
  name: 'shipped',
  train: step('fit', 'hello.fit-line', { points: [[0, 1], [1, 3], [2, 5]] }),
  deploy: [{ env: 'staging', target: 'webhook' }],
});
`,
    });
    ports = { slack: await closedPort(), alert: await closedPort(), deploy: await closedPort() };
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      FERRY_HOME: home,
      FERRY_TASK_QUEUE: taskQueue,
      SLACK_BOT_TOKEN: 'xoxb-degraded-test',
      SLACK_SIGNING_SECRET: 'degraded-test-signing-secret',
      SLACK_API_URL: `http://127.0.0.1:${ports.slack}/api/`,
      FERRY_SLACK_CHANNEL: 'C0DEGRADED',
      FERRY_WEBHOOK_SECRET: SECRET,
      FERRY_ALERT_WEBHOOK_URL: `http://127.0.0.1:${ports.alert}/alerts`,
      FERRY_DEPLOY_WEBHOOK_URL: `http://127.0.0.1:${ports.deploy}/deploy`,
    };
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
    dev = await procs.start('ferry dev', ['dev'], /Press Ctrl-C to stop/, { cwd: repo, env, timeoutMs: 180_000 });
  });

  afterAll(async () => {
    const stopped = await procs.stopAll();
    await close(receiver?.server);
    await slackApi?.close();
    await connection?.close();
    rmSync(home, { recursive: true, force: true });
    expect(stopped).toEqual([{ name: 'ferry dev', code: 0, leftBehind: [] }]);
  });

  it('stays up, logs each degradation once, shows it in ferry status, and keeps serving', async () => {
    const degraded = {
      slack: `degraded: slack unreachable (connect ECONNREFUSED 127.0.0.1:${ports.slack})`,
      alert: `degraded: alert webhook unreachable (connect ECONNREFUSED 127.0.0.1:${ports.alert})`,
      deploy: `degraded: deploy target webhook unreachable (connect ECONNREFUSED 127.0.0.1:${ports.deploy})`,
    };
    // Slack's failure shows only after its client's retries: the moment Bolt's start-up check used to kill the process.
    await waitFor(() => (Object.values(degraded).every((line) => dev.output().includes(line)) ? true : undefined), 60_000, 'the three degradations in the log');
    expect(dev.alive()).toBe(true);
    for (const line of Object.values(degraded)) expect(dev.output().split(line).length - 1, line).toBe(1);

    const listed = await status();
    for (const line of Object.values(degraded)) expect(listed.stderr).toContain(line);
    expect(listed.stderr).toMatch(new RegExp(`\\(ferry dev, pid ${dev.child.pid}\\)`));

    // Still serving: the model server, the Slack app's endpoint (it refuses what Slack did not sign) and the worker.
    const { serveUrl } = JSON.parse(readFileSync(join(home, 'dev.json'), 'utf8')) as { serveUrl: string };
    expect((await fetch(`${serveUrl}/healthz`)).status).toBe(200);
    const slackUrl = /Slack app\s+(http:\/\/\S+)/.exec(dev.output())![1]!;
    expect((await fetch(slackUrl, { method: 'POST', body: 'payload=%7B%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(401);
  });

  it('retries a deploy to the unreachable target until it returns, then finishes the run; recovered services leave ferry status', async () => {
    const started = await runFerry(['run', 'pipelines/shipped.ts', '--format', 'json'], { cwd: repo, env: childEnv(env) });
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    const handle = client.workflow.getHandle(workflowId);
    // The promotion child's applyRoutes fails against the closed port and Temporal retries it; the process stays up.
    await waitFor(async () => {
      const children = (await handle.describe()).raw.pendingChildren ?? [];
      for (const child of children) {
        // A child just initiated may not be started yet: look again on the next poll.
        const described = await client.workflow.getHandle(child.workflowId!).describe().catch(() => undefined);
        const pending = described?.raw.pendingActivities ?? [];
        if (pending.some((a) => a.activityType?.name === 'applyRoutes' && (a.attempt ?? 0) >= 2 && /ECONNREFUSED|is the receiver up/.test(a.lastFailure?.message ?? ''))) return true;
      }
      return undefined;
    }, 90_000, 'the deploy being retried');
    expect(dev.alive()).toBe(true);

    receiver = await startDeployReceiver(ports.deploy);
    slackApi = await startFakeSlackApi({ port: ports.slack });
    const result = (await handle.result()) as { state: string; deployments: { env: string; version: number; state: string }[] };
    expect(result).toMatchObject({ state: 'succeeded', deployments: [{ env: 'staging', version: 1, state: 'live' }] });
    expect(receiver.deploys).toEqual([expect.objectContaining({ kind: 'ferry.deploy', model: 'shipped', env: 'staging', routes: [{ version: 1, percent: 100 }] })]);

    // Slack's probe retries with backoff (at most 30 s apart); the alert receiver is still down and still shown.
    const after = await waitFor(async () => {
      const listed = await status();
      return /degraded: (slack|deploy target webhook)/.test(listed.stderr) ? undefined : listed;
    }, 90_000, 'slack and the deploy target to leave ferry status');
    expect(after.stderr).toContain(`degraded: alert webhook unreachable (connect ECONNREFUSED 127.0.0.1:${ports.alert})`);
    expect(dev.output()).toContain('recovered: slack answers again');
    expect(dev.output()).toContain('recovered: deploy target webhook answers again');
    expect(slackApi.calls.some((c) => c.method === 'auth.test')).toBe(true);
  });
});

// The alert path inside a worker: a receiver that is down is retried, reported and recorded; it never throws at the
// monitor workflow's activity. Real HTTP to 127.0.0.1.
describe('an alert to an unreachable receiver', () => {
  let server: Server | undefined;
  afterAll(() => close(server));

  it('is retried, reported as failed and recorded as degraded; once the receiver is back it is sent and recovered', async () => {
    const port = await closedPort();
    const channel = createWebhookAlert({ url: `http://127.0.0.1:${port}/alerts`, secret: SECRET, retries: 2, retryDelayMs: 20 });
    const down = await sendAlert([channel], { title: 'drift', text: 'penguins drifted', model: 'penguins', env: 'production' });
    expect(down).toEqual({ sent: [], failed: [{ channel: 'webhook', error: expect.stringContaining('ECONNREFUSED') }] });
    expect(serviceStates().find((s) => s.service === outsideService.alertWebhook)).toMatchObject({ up: false, kind: 'unreachable', failures: 1, reason: `connect ECONNREFUSED 127.0.0.1:${port}` });

    const received: string[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.writeHead(verifySignature(body, SECRET, req.headers['x-ferry-signature'] as string | undefined) ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    const up = await sendAlert([channel], { title: 'drift', text: 'penguins drifted again' });
    expect(up).toEqual({ sent: ['webhook'], failed: [] });
    expect(received).toHaveLength(1);
    expect(serviceStates().find((s) => s.service === outsideService.alertWebhook)).toMatchObject({ up: true, failures: 0 });
  });
});

// Socket Mode's first connection fails outright when Slack cannot be reached (the SDK does not retry a request error):
// the app keeps trying in the background instead. Vitest fails a run on any unhandled rejection, so none escapes here.
describe.each(backends())('the Slack app in Socket Mode with Slack unreachable ($name)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(() => database?.close());

  it('starts without waiting for Slack, records Slack as degraded, and stops cleanly', async () => {
    const port = await closedPort();
    const slack = createSlackApp({ botToken: 'xoxb-1', appToken: 'xapp-1-test', apiUrl: `http://127.0.0.1:${port}/api/`, approvals: { decide: async () => ({ ok: false, refusal: 'unused' }) }, db: database.db });
    expect(await slack.start()).toEqual({});
    try {
      await waitFor(() => serviceStates().find((s) => s.service === outsideService.slack && !s.up && s.reason === `connect ECONNREFUSED 127.0.0.1:${port}`), 60_000, 'slack degraded');
    } finally {
      await slack.stop();
    }
  });
});
