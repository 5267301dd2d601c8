import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { issueToken } from '../../src/auth/users.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { aliases, servingRoutes } from '../../src/db/schema/index.js';
import { definePredictor, type PredictorDefinition, type StepDefinition } from '../../src/dsl/ferry-config.js';
import { definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import type { PipelineInput } from '../../src/core/spec.js';
import { startRun } from '../../src/runs/start.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { Backend, TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { seedPeople, trainStep } from '../lifecycle/fixture.js';

/** Model names unique to one test file and backend: workflow ids (promotion, monitor) derive from them on the shared dev server. */
export function modelNames<K extends string>(prefix: string, keys: readonly K[]): Record<K, string> {
  const suffix = randomBytes(3).toString('hex');
  return Object.fromEntries(keys.map((k) => [k, `${prefix}-${k}-${suffix}`])) as Record<K, string>;
}

/** The lifecycle fixture's predictor under another model name: `{ label }` from x, and every prediction fails below quality 0.5. */
export function predictorFor(model: string) {
  return definePredictor(model, (file) => {
    const { quality } = JSON.parse(readFileSync(file, 'utf8')) as { quality: number };
    return (rows) =>
      rows.map((row) => {
        if (quality < 0.5) throw new Error('model broken');
        return { label: Number(row.x) > 5 ? 'big' : 'small' };
      });
  });
}

/** A regressor under another model name: `{ value: 2x }` (same artifact, same training reference as `predictorFor`). */
export function regressorFor(model: string) {
  return definePredictor(model, () => (rows) => rows.map((row) => ({ value: 2 * Number(row.x) })));
}

/** Inputs distributed like the fixture's training reference (x = 0, 0.5, …, 9.5, evenly). */
export const undrifted = (n: number) => Array.from({ length: n }, (_, i) => ({ x: (i % 20) / 2 }));
/** Inputs far outside the training reference. */
export const drifted = (n: number) => Array.from({ length: n }, (_, i) => ({ x: 50 + i }));

export interface Harness {
  database: TestDatabase;
  server: ModelServer;
  client: Awaited<ReturnType<typeof testClient>>['client'];
  taskQueue: string;
  close(): Promise<void>;
}

/** A fresh database with the lifecycle's people, a real model server for `models` (names get `predictorFor`), a worker (its repository holding `files`) and a client of the dev server. */
export async function startHarness(
  backend: Backend,
  models: (string | PredictorDefinition)[],
  regressors: string[] = [],
  extra: Partial<ActivityDeps> = {},
  steps: StepDefinition[] = [trainStep],
  files: Record<string, string> = {},
): Promise<Harness> {
  const database = await backend.create();
  await seedPeople(database.db);
  const predictors = [...models.map((m) => (typeof m === 'string' ? predictorFor(m) : m)), ...regressors.map(regressorFor)];
  const server = await createModelServer({ db: database.db, config: configFrom({ predictors }), port: 0, refreshMs: 100 });
  const taskQueue = uniqueQueue('monitor');
  const worker = await startTestWorker({ db: database.db, taskQueue, config: { steps }, cwd: makeRepo({ 'README.md': 'monitor\n', ...files }), extra: { serveUrl: server.url, ...extra } });
  const temporal = await testClient();
  return {
    database,
    server,
    client: temporal.client,
    taskQueue,
    async close() {
      await worker.stop();
      await server.close();
      await temporal.close();
      await database.close();
    },
  };
}

/** Runs a pipeline training one version of `model` (no approvals) and returns its result. */
export async function runPipeline(h: Harness, model: string, quality: number, options: Pick<PipelineInput, 'deploy' | 'monitor'> = {}) {
  const loaded = parsePipeline(
    definePipeline({ name: model, model, owner: 'alice', train: step('train', 'lc.train', { quality }), deploy: options.deploy ?? [], ...(options.monitor ? { monitor: options.monitor } : {}) }),
    `${model}.ts`,
  );
  const handle = await startRun(h.client, loaded, { taskQueue: h.taskQueue, trigger: 'cli', triggeredBy: 'alice' });
  return { loaded, result: await handle.result() };
}

/** POSTs one predict request; returns the HTTP status and the body. */
export async function predict(h: Harness, model: string, inputs: Record<string, unknown>[], requestIds?: string[]) {
  const res = await fetch(`${h.server.url}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs, env: 'production', requestIds }) });
  return { status: res.status, body: (await res.json()) as { requestIds?: string[]; outputs?: unknown[]; version?: number } };
}

/**
 * Sends `inputs` to production with fresh request ids, then their ground truth: `label(output, i)` for each answer.
 * Returns the serving version the answers came from.
 */
export async function predictAndLabel(h: Harness, model: string, inputs: Record<string, unknown>[], label: (output: unknown, i: number) => unknown) {
  const tag = randomBytes(4).toString('hex');
  const requestIds = inputs.map((_, i) => `${model}-${tag}-${i}`);
  const sent = await predict(h, model, inputs, requestIds);
  if (sent.status !== 200 || !sent.body.outputs) throw new Error(`predict ${model}: HTTP ${sent.status}`);
  const body = await sendFeedback(h, sent.body.outputs.map((output, i) => ({ requestId: requestIds[i]!, label: label(output, i) })));
  if (body.accepted !== inputs.length) throw new Error(`feedback ${model}: ${JSON.stringify(body)}`);
  return sent.body.version;
}

/**
 * One engineer's token per harness. Issuing a token replaces the user's previous one, so a token per call would let two
 * concurrent senders (one test proving two models at once) invalidate each other's.
 */
const tokens = new WeakMap<Harness, Promise<string>>();
const tokenOf = (h: Harness) => {
  if (!tokens.has(h)) tokens.set(h, issueToken(h.database.db, { user: 'alice', by: 'test' }));
  return tokens.get(h)!;
};

/** POSTs ground truth with an engineer's token (labels drive the monitor, so the server asks who sends them). */
export async function sendFeedback(h: Harness, feedback: { requestId: string; label: unknown }[]) {
  const token = await tokenOf(h);
  const res = await fetch(`${h.server.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ feedback }) });
  return (await res.json()) as { accepted: number; unchanged: string[]; refused: unknown[] };
}

/** Sends one prediction every `everyMs` until stopped; counts answers by HTTP status and by serving version. */
export function startTraffic(h: Harness, model: string, everyMs = 40) {
  const statuses: Record<number, number> = {};
  const versions: Record<number, number> = {};
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const { status, body } = await predict(h, model, [{ x: (i % 20) / 2 }]);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (body.version !== undefined) versions[body.version] = (versions[body.version] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    statuses,
    versions,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** What production serves, three ways: the alias, the `serving_routes` row, and the model server's own answer. */
export async function production(h: Harness, model: string) {
  const [alias] = await h.database.db.select().from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production')));
  const [routes] = await h.database.db.select().from(servingRoutes).where(and(eq(servingRoutes.model, model), eq(servingRoutes.env, 'production')));
  await h.server.refresh();
  const served = (await (await fetch(`${h.server.url}/v1/models/${model}/version?env=production`)).json()) as { routes: unknown };
  return { alias: alias?.version, routes: routes?.routes, served: served.routes };
}

/** Terminates a model's production monitor (monitors run forever); a monitor already gone is fine. */
export async function stopMonitor(h: Harness, model: string): Promise<void> {
  await h.client.workflow
    .getHandle(monitorWorkflowId(model, 'production'))
    .terminate('test finished')
    .catch(() => undefined);
}
