import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { servingRoutes } from '../../src/db/schema/index.js';
import { currentTracing, withSpan } from '../../src/observability/tracing.js';
import { startRun } from '../../src/runs/start.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { connectClient } from '../../src/temporal/client.js';
import { installRuntime } from '../../src/temporal/runtime.js';
import { createFerryWorker } from '../../src/temporal/worker.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';
import { observedPipeline, quickTrain } from './fixture.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

describe.each(backends().slice(0, 1))('tracing a run end to end ($name)', (backend) => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  let server: ModelServer;
  let stopWorker: () => Promise<void>;
  const taskQueue = uniqueQueue('obs-trace');

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // What an operator sets: tracing turns on for the client, the worker and the model server of this process.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
    installRuntime();
    database = await backend.create();
    const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    // No prebuilt bundle: the worker bundles workflows/ with the tracing interceptors module.
    const { worker, connection } = await createFerryWorker({
      address: inject('temporalAddress'),
      namespace: 'default',
      taskQueue,
      deps: { db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({ steps: [quickTrain] }), home, cwd: makeRepo({ 'README.md': 'trace\n' }) },
    });
    const done = worker.run().finally(() => connection.close());
    stopWorker = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    };
    temporal = await connectClient(inject('temporalAddress'), 'default');
    await registerToyVersions(database.db, 'obs-traced', { 1: { slope: 1, intercept: 0 } });
    await database.db.insert(servingRoutes).values({ model: 'obs-traced', env: 'production', routes: [{ version: 1, percent: 100 }] });
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('obs-traced')] }), port: 0 });
  });
  afterAll(async () => {
    await stopWorker?.();
    await temporal?.close();
    await server?.close();
    await database?.close();
    await receiver?.close();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });

  const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

  it('links the client\u2019s root span through the workflow to every activity, in one trace', async () => {
    const handle = await startRun(temporal.client, observedPipeline('obs-trace'), { taskQueue, trigger: 'test' });
    expect((await handle.result()).state).toBe('succeeded');
    await currentTracing()!.flush();

    await expect.poll(() => named(receiver.spans, 'RunActivity:recordRunFinished').length, { timeout: 30_000 }).toBe(1);
    const [root] = named(receiver.spans, 'ferry run obs-trace');
    expect(root, 'root span').toBeDefined();
    expect(root!.parentSpanId).toBeUndefined();
    expect(root!.attributes['ferry.run_id']).toBe(handle.workflowId);
    const trace = receiver.spans.filter((s) => s.traceId === root!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

    const [start] = named(trace, 'StartWorkflow:pipelineRun');
    expect(parentOf(start!)).toBe(root);
    const [run] = named(trace, 'RunWorkflow:pipelineRun');
    expect(parentOf(run!)).toBe(start);

    const activities = ['recordAndVerifyRunStart', 'integrate', 'runStep', 'recordRunFinished'];
    for (const activity of activities) {
      const [scheduled] = named(trace, `StartActivity:${activity}`);
      const [executed] = named(trace, `RunActivity:${activity}`);
      expect(scheduled, `StartActivity:${activity}`).toBeDefined();
      expect(parentOf(scheduled!), `${activity} scheduled by the workflow`).toBe(run);
      expect(parentOf(executed!), `${activity} run under its scheduling span`).toBe(scheduled);
    }
    // Every span of the run is in the root's trace, and each (but the root) has its parent there.
    const runSpans = receiver.spans.filter((s) => /Workflow:pipelineRun|Activity:/.test(s.name));
    expect(runSpans.every((s) => s.traceId === root!.traceId)).toBe(true);
    expect(trace.filter((s) => s !== root).every((s) => parentOf(s))).toBe(true);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['ferry-worker']));
  });

  it('continues a caller\u2019s trace in the model server from the traceparent header', async () => {
    let caller: { traceId: string; spanId: string } | undefined;
    await withSpan('client predict', {}, async (span) => {
      caller = span.spanContext();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      propagation.inject(context.active(), headers);
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const res = await fetch(`${server.url}/v1/models/obs-traced/predict`, { method: 'POST', headers, body: JSON.stringify({ inputs: [{ x: 2 }] }) });
      expect(res.status).toBe(200);
    });
    await currentTracing()!.flush();
    await expect.poll(() => named(receiver.spans, 'predict obs-traced').length, { timeout: 30_000 }).toBe(1);
    const [served] = named(receiver.spans, 'predict obs-traced');
    expect(served!.traceId).toBe(caller!.traceId);
    expect(served!.parentSpanId).toBe(caller!.spanId);
    expect(served!.attributes).toMatchObject({ 'ferry.model': 'obs-traced', 'ferry.env': 'production', 'ferry.version': 1 });
  });
});
