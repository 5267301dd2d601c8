import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposeWorkerMetrics } from '../../src/observability/worker-metrics.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { gateFile, observedPipeline, quickTrain, slowTrain } from './fixture.js';
import { parsePromText, valueOf } from './prom-text.js';

async function scrape(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePromText(await res.text());
}

// One backend: the metrics come from activities, not from the database dialect.
describe.each(backends().slice(0, 1))('the worker /metrics endpoint ($name)', (backend) => {
  let database: TestDatabase;
  let metrics: Awaited<ReturnType<typeof exposeWorkerMetrics>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const taskQueue = uniqueQueue('obs-metrics');

  beforeAll(async () => {
    database = await backend.create();
    // Before the worker: the SDK's Prometheus exporter is part of the runtime, installed once per process.
    metrics = await exposeWorkerMetrics({ db: database.db, port: 0 });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [slowTrain, quickTrain] }, cwd: makeRepo({ 'README.md': 'obs\n' }) });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await metrics?.close();
    await database?.close();
  });

  it('counts runs by pipeline and status, shows runs in flight, and times stages and activities', async () => {
    const gate = gateFile();
    const handle = await startRun(temporal.client, observedPipeline('obs-metrics', gate.path), { taskQueue, trigger: 'test' });
    // While training holds, the run is in flight in its train stage.
    await expect.poll(async () => valueOf((await scrape(metrics.url)).samples, 'ferry_runs_in_flight', { pipeline: 'obs-metrics' }), { timeout: 30_000 }).toBe(1);
    const during = await scrape(metrics.url);
    expect(valueOf(during.samples, 'ferry_runs_started_total', { pipeline: 'obs-metrics' })).toBe(1);
    expect(valueOf(during.samples, 'ferry_runs_finished_total', { pipeline: 'obs-metrics' })).toBeUndefined();

    gate.release();
    expect((await handle.result()).state).toBe('succeeded');
    const after = await scrape(metrics.url);
    expect(valueOf(after.samples, 'ferry_runs_finished_total', { pipeline: 'obs-metrics', status: 'succeeded' })).toBe(1);
    expect(valueOf(after.samples, 'ferry_runs_in_flight', { pipeline: 'obs-metrics' }) ?? 0).toBe(0);
    for (const stage of ['integrate', 'train', 'evaluate']) {
      expect(valueOf(after.samples, 'ferry_stage_duration_seconds_count', { pipeline: 'obs-metrics', stage }), stage).toBe(1);
    }
    expect(valueOf(after.samples, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-metrics', stage: 'train' })).toBeGreaterThan(0);
    expect(valueOf(after.samples, 'ferry_activity_duration_seconds_count', { activity: 'runStep', status: 'ok' })).toBeGreaterThanOrEqual(1);
    // A compact-history run records its start and its verification as one local activity.
    expect(valueOf(after.samples, 'ferry_activity_duration_seconds_count', { activity: 'recordAndVerifyRunStart', status: 'ok' })).toBe(1);
  });

  it('counts failed runs under their final status', async () => {
    const loaded = observedPipeline('obs-metrics-fail');
    // value 42 passes min 0.5; a gate it cannot pass makes the run fail in evaluate.
    loaded.spec.evaluate!.gates = [{ ...loaded.spec.evaluate!.gates[0]!, min: 1000 } as never];
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    await expect(handle.result()).rejects.toThrow();
    const { samples } = await scrape(metrics.url);
    expect(valueOf(samples, 'ferry_runs_finished_total', { pipeline: 'obs-metrics-fail', status: 'failed' })).toBe(1);
  });

  it('appends the Temporal SDK\u2019s own metrics, with Prometheus naming', async () => {
    const { names } = await scrape(metrics.url);
    const sdk = [...names].filter((n) => n.startsWith('temporal_'));
    expect(sdk.length).toBeGreaterThan(5);
    expect(sdk).toEqual(expect.arrayContaining(['temporal_worker_task_slots_available', 'temporal_activity_execution_latency_seconds_bucket']));
    // Ferry's and Node's own metrics stay alongside.
    expect(names.has('process_cpu_user_seconds_total')).toBe(true);
  });
});
