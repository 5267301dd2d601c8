import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlflowClient } from '../../src/mlflow/client.js';
import { startMlflowServer, type MlflowServer } from '../../src/mlflow/server.js';
import { createWebhookServer, type WebhookServer } from '../../src/triggers/push-webhook.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { waitFor } from '../helpers/cli.js';
import { testClient, uniqueQueue } from '../helpers/temporal.js';

const SECRET = 'mlflow-hook-secret';
const ferryIndex = pathToFileURL(join(process.cwd(), 'src/index.ts')).href;

// A team registers models from notebooks in MLflow; this pipeline takes each new version through Ferry's gates.
const pipelineFile = (name: string, model: string) => `import { command, definePipeline } from '${ferryIndex}';
export default definePipeline({
  name: '${name}',
  on: { mlflow: { model: '${model}' } },
  params: { mlflow_version: '0', mlflow_source: '' },
  build: [command('show', 'echo "$FERRY_PARAMS"')],
  train: command('fetch', 'echo fetching'),
});
`;

interface Captured {
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

describe.each(backends().slice(0, 1))('MLflow registry webhooks into ferry webhook ($name)', (backend) => {
  let database: TestDatabase;
  let mlflow: MlflowServer;
  let hook: WebhookServer;
  let relay: Server;
  let hookUrl: string;
  const captured: Captured[] = [];
  const model = `notebook-model-${randomUUID().slice(0, 6)}`;
  const pipeline = `from-mlflow-${randomUUID().slice(0, 6)}`;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    database = await backend.create();
    const repo = makeRepo({ [`pipelines/${pipeline}.ts`]: pipelineFile(pipeline, model) });
    temporal = await testClient();
    hook = createWebhookServer({ client: temporal.client, db: database.db, taskQueue: uniqueQueue('mlflow-hook'), projectDir: repo, secret: 'push-secret', mlflowSecret: SECRET });
    hookUrl = (await hook.listen(0)).replace(/\/hooks\/git$/, '/hooks/mlflow');
    // Records what MLflow really sends, then passes it on to ferry webhook.
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = new URL(hookUrl);
        const out = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: req.headers }, (up) => {
          captured.push({ headers: req.headers, body, status: up.statusCode ?? 0 });
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        out.end(body);
      });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    // MLflow delivers only to public https URLs unless told otherwise: here everything is plain HTTP on loopback.
    mlflow = await startMlflowServer({ dir: mkdtempSync(join(tmpdir(), 'ferry-mlflow-hook-')), env: { MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'true', MLFLOW_WEBHOOK_ALLOWED_SCHEMES: 'http,https' } });
  }, 900_000);
  afterAll(async () => {
    relay?.close();
    await hook?.close();
    await mlflow?.stop();
    await temporal?.close();
    await database?.close();
  });

  const post = (body: Buffer | string, headers: Record<string, string>) => fetch(hookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const sign = (delivery: string, timestamp: string, body: string, secret = SECRET) => `v1,${createHmac('sha256', secret).update(`${delivery}.${timestamp}.${body}`).digest('base64')}`;
  const notStarted = async (delivery: string) =>
    expect(temporal.client.workflow.getHandle(`${pipeline}-mlflow-${delivery}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  it('starts the listening pipeline when a version is registered in MLflow, with the version as a param', async () => {
    const relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}/hooks/mlflow`;
    const res = await fetch(`${mlflow.url}/api/2.0/mlflow/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ferry', url: relayUrl, events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }], secret: SECRET }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const client = createMlflowClient({ trackingUri: mlflow.url });
    await client.createRegisteredModel(model, {});
    // What a notebook's mlflow.sklearn.log_model(…, registered_model_name=…) leaves: a run, and a version from its artifacts.
    const run = await client.createRun(await client.experimentId('notebooks'), 'notebook', Date.now(), {});
    const source = `${run.info.artifact_uri}/model`;
    await client.createModelVersion(model, source, run.info.run_id, {});
    const delivery = await waitFor(() => captured.find((c) => c.status === 202), 60_000, 'MLflow to deliver model_version.created');
    const id = `${pipeline}-mlflow-${String(delivery.headers['x-mlflow-delivery-id'])}`;
    const history = await temporal.client.workflow.getHandle(id).fetchHistory();
    const input = JSON.parse(Buffer.from(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()) as { trigger: string; spec: { params: Record<string, string> } };
    expect(input.trigger).toBe('mlflow');
    expect(input.spec.params).toMatchObject({ mlflow_version: '1', mlflow_source: source });
    await temporal.client.workflow.getHandle(id).terminate('test done');
  });

  it('refuses a replayed, forged, stale or unsigned delivery with 401 and starts nothing', async () => {
    const genuine = captured.find((c) => c.status === 202)!;
    const headers = Object.fromEntries(['x-mlflow-signature', 'x-mlflow-delivery-id', 'x-mlflow-timestamp'].map((h) => [h, String(genuine.headers[h])]));
    const replay = await post(genuine.body, headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toContain('already received');

    const body = genuine.body.toString();
    const now = String(Math.floor(Date.now() / 1000));
    const forged = randomUUID();
    expect((await post(body, { 'x-mlflow-delivery-id': forged, 'x-mlflow-timestamp': now, 'x-mlflow-signature': sign(forged, now, body, 'not-the-secret') })).status).toBe(401);
    const stale = randomUUID();
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const staleRes = await post(body, { 'x-mlflow-delivery-id': stale, 'x-mlflow-timestamp': old, 'x-mlflow-signature': sign(stale, old, body) });
    expect(staleRes.status).toBe(401);
    expect(((await staleRes.json()) as { error: string }).error).toContain('replay');
    const unsigned = randomUUID();
    expect((await post(body, { 'x-mlflow-delivery-id': unsigned, 'x-mlflow-timestamp': now })).status).toBe(401);
    // The genuine body re-signed for a new delivery id with the right secret would start a run; none of these did.
    for (const d of [forged, stale, unsigned]) await notStarted(d);
  });
});
