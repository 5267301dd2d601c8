/**
 * Must-show of the serving issue: a scikit-learn model trained by a Python command step (pipelines/iris-python) is
 * registered, canaried on a real MLServer through Ferry's gateway while traffic flows, and rolled back by the monitor
 * when the traffic drifts. Durations are parameters: a 3 s bake, a monitor every 2 s.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliases, deployments, modelVersions, monitorChecks, predictions, servingRoutes } from '../../src/db/schema/index.js';
import { parsePipeline } from '../../src/dsl/load.js';
import type { PipelineInput } from '../../src/core/spec.js';
import { isReady } from '../../src/mlserver/repository.js';
import { sharedMlserver } from '../../src/mlserver/server.js';
import { startRun } from '../../src/runs/start.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { monitorStateQuery } from '../../workflows/monitor.js';
import definition from '../../pipelines/iris-python.js';
import { waitFor } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { IRIS_FEATURES, irisRows, startMlserverStack } from '../helpers/python.js';
import { type startTestWorker, type testClient, uniqueQueue } from '../helpers/temporal.js';

const EXAMPLE = ['train.py', 'evaluate.py', 'requirements.txt', 'test_train.py', 'data/iris.csv'].map((f) => `pipelines/iris-python/${f}`);
const FEATURES = IRIS_FEATURES;

/** The iris rows as prediction inputs (the distribution the model was trained on). The monitor here breaches only
 * when every feature drifts (maxDriftShare 1), so a window of undrifted traffic never trips it by chance. */
const rows = irisRows();
/** The same flowers measured in inches instead of centimetres... by a broken scale: every feature far outside training. */
const drifted = (n: number) => rows.slice(0, n).map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]! * 3 + 10])));

describe.each(backends().slice(0, 1))('the Python example on MLServer behind the gateway ($name)', (backend) => {
  const model = `iris-py-${Math.random().toString(36).slice(2, 8)}`;
  const taskQueue = uniqueQueue('iris-python');
  let stack: Awaited<ReturnType<typeof startMlserverStack>>;
  let database: TestDatabase;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    stack = await startMlserverStack(backend, EXAMPLE, taskQueue);
    ({ database, worker, temporal } = stack);
  }, 900_000);
  afterAll(() => stack?.stop(() => temporal.client.workflow.getHandle(monitorWorkflowId(model, 'production')).terminate('test finished')));

  /** One run of the example (no approvals here: the approval flow has its own tests), training with `trees`. */
  async function run(trees: number, deploy: PipelineInput['deploy']) {
    const loaded = parsePipeline(
      { ...definition, name: model, model, params: { ...definition.params, trees }, deploy, monitor: { every: '2s', maxDriftShare: 1, minRows: 30, onBreach: 'rollback', cooldown: '1m', predictionField: 'predict' } },
      'pipelines/iris-python.ts',
    );
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    return handle.result();
  }

  /** One V1 prediction through the gateway; returns the status and the serving version. */
  async function predict(inputs: Record<string, number>[]) {
    const res = await fetch(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    return { status: res.status, body: (await res.json()) as { version?: number; outputs?: { predict: string }[] } };
  }

  it('trains in Python, canaries v2 on MLServer under traffic, and the monitor rolls production back to v1 on drift', async () => {
    const first = await run(20, [{ env: 'production', target: 'mlserver' }]);
    expect(first).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    // Gated on what evaluate.py computed, risk checks included.
    expect(first.gates.map((g) => [g.gate, g.passed])).toEqual([
      ['min(accuracy)', true],
      ['no-regression(macro_f1)', true],
      ['min(min_class_recall)', true],
      ['max(noise_flip_rate)', true],
    ]);
    const [v1] = await database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, 1)));
    expect(v1!.referenceSha256).toMatch(/^[0-9a-f]{64}$/);
    const [route] = await database.db.select().from(servingRoutes).where(eq(servingRoutes.model, model));
    expect(route!.backends).toMatchObject({ 1: { kind: 'v2', server: 'mlserver', name: `${model}-v1` } });
    expect(await predict([rows[0]!, rows[149]!])).toMatchObject({ status: 200, body: { version: 1, outputs: [{ predict: 'setosa' }, { predict: 'virginica' }] } });

    // v2 canaried while traffic flows: 50% for a 3 s bake, judged from the gateway's prediction log, then 100%.
    const statuses: Record<number, number> = {};
    const versions: Record<number, number> = {};
    let flowing = true;
    const traffic = (async () => {
      for (let i = 0; flowing; i++) {
        // The file is sorted by species: a stride through it keeps every window distributed like the training data.
        const { status, body } = await predict([rows[(i * 61) % rows.length]!]);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (body.version) versions[body.version] = (versions[body.version] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    let second;
    try {
      second = await run(60, [{ env: 'production', target: 'mlserver', strategy: { kind: 'canary', steps: [50, 100], bake: '3s', maxErrorRate: 0.05, minRequests: 10 } }]);
    } finally {
      flowing = false;
      await traffic;
    }
    expect(second).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    expect(versions[2]).toBeGreaterThan(0);
    expect(Object.keys(statuses)).toEqual(['200']);
    const [canary] = await database.db.select().from(deployments).where(and(eq(deployments.model, model), eq(deployments.version, 2)));
    expect(canary).toMatchObject({ target: 'mlserver', strategy: 'canary', status: 'live', trafficPercent: 100 });
    const mlserver = await sharedMlserver(worker.deps.home);
    expect(await isReady(mlserver.url, `${model}-v2`)).toBe(true);
    // v1 no longer routed anywhere: unloaded from MLServer.
    await waitFor(async () => ((await isReady(mlserver.url, `${model}-v1`)) ? undefined : true), 30_000, 'v1 to be unloaded');

    // Drifted traffic on v2: the monitor breaches and rolls production back to v1, reloaded on MLServer.
    expect(await predict(drifted(60))).toMatchObject({ status: 200, body: { version: 2 } });
    await waitFor(async () => {
      const [alias] = await database.db.select().from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production')));
      return alias?.version === 1 ? true : undefined;
    }, 120_000, 'the monitor to roll production back to v1').catch(async (err: Error) => {
      const checks = await database.db.select().from(monitorChecks).where(eq(monitorChecks.model, model));
      const state = await temporal.client.workflow.getHandle(monitorWorkflowId(model, 'production')).query(monitorStateQuery).catch((e: Error) => e.message);
      throw new Error(`${err.message}; monitor state ${JSON.stringify(state)}; checks ${JSON.stringify(checks.map((c) => [c.kind, c.version, c.breached, c.action, c.result]))}`.slice(0, 6000));
    });
    const breach = (await database.db.select().from(monitorChecks).where(eq(monitorChecks.model, model))).find((c) => c.kind === 'drift' && c.breached);
    expect(breach).toMatchObject({ version: 2, env: 'production' });
    expect((breach!.result as { drifted: string[] }).drifted.sort()).toEqual([...FEATURES].sort());
    await waitFor(async () => ((await predict([rows[0]!])).body.version === 1 ? true : undefined), 30_000, 'the gateway to serve v1');
    expect(await isReady(mlserver.url, `${model}-v1`)).toBe(true);
    await waitFor(async () => ((await isReady(mlserver.url, `${model}-v2`)) ? undefined : true), 30_000, 'v2 to be unloaded');

    // Every prediction that answered 200 is in the log, with the version that served it.
    await stack.restartGateway();
    const logged = await database.db.select({ version: predictions.version }).from(predictions).where(eq(predictions.model, model));
    expect(logged.filter((p) => p.version === 2).length).toBeGreaterThanOrEqual(versions[2]! + 60);
  }, 900_000);
});
