import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { configFrom } from '../../src/dsl/load-config.js';
import { servingRoutes } from '../../src/db/schema/index.js';
import { createActivityObserver } from '../../src/observability/activity-metrics.js';
import { exposeWorkerMetrics } from '../../src/observability/worker-metrics.js';
import { startRun } from '../../src/runs/start.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';
import { observedPipeline, quickTrain } from './fixture.js';
import { parsePromText } from './prom-text.js';
import { metricNames } from './promql.js';

const panelSchema: z.ZodType<{ type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[]; panels?: unknown[] }> = z.object({
  type: z.string(),
  title: z.string(),
  datasource: z.object({ uid: z.string() }).optional(),
  targets: z.array(z.object({ expr: z.string().min(1) })).optional(),
  panels: z.array(z.unknown()).optional(),
});
const dashboard = z
  .object({ uid: z.string(), title: z.string(), panels: z.array(panelSchema) })
  .parse(JSON.parse(readFileSync(new URL('../../ops/grafana/dashboards/ferry.json', import.meta.url), 'utf8')));
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

describe('PromQL metric name extraction', () => {
  it('finds the series an expression reads, not its functions, labels, ranges or variables', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, stage) (rate(ferry_stage_duration_seconds_bucket{env="prod"}[$__rate_interval])))')).toEqual(['ferry_stage_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_total[5m])) / ignoring(x) group_left b_total > bool 1e3')).toEqual(['a_total', 'b_total']);
    expect(metricNames('max by (pipeline, status) (ferry_runs_in_flight)')).toEqual(['ferry_runs_in_flight']);
  });
});

describe.each(backends().slice(0, 1))('the Grafana dashboard ($name)', (backend) => {
  let database: TestDatabase;
  let metrics: Awaited<ReturnType<typeof exposeWorkerMetrics>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let server: ModelServer;
  const exported = new Set<string>();

  beforeAll(async () => {
    database = await backend.create();
    metrics = await exposeWorkerMetrics({ db: database.db, port: 0 });
    const taskQueue = uniqueQueue('obs-dash');
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [quickTrain] }, cwd: makeRepo({ 'README.md': 'dash\n' }) });
    temporal = await testClient();
    await registerToyVersions(database.db, 'obs-dash', { 1: { slope: 1, intercept: 0 } });
    await database.db.insert(servingRoutes).values({ model: 'obs-dash', env: 'production', routes: [{ version: 1, percent: 100 }] });
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('obs-dash')] }), port: 0 });

    // Exercise what the dashboard shows: a run on a real worker, predictions, and a deploy and a drift check.
    const handle = await startRun(temporal.client, observedPipeline('obs-dash'), { taskQueue, trigger: 'test' });
    await handle.result();
    await fetch(`${server.url}/v1/models/obs-dash/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: 1 }] }) });
    const observer = createActivityObserver();
    await observer.observe({ activityType: 'applyRoutes', input: { model: 'obs-dash', env: 'production', reason: 'rollback step 1/1' }, output: { status: 'live', trafficPercent: 100 }, seconds: 0.1 });
    await observer.observe({ activityType: 'runMonitorCheck', input: { model: 'obs-dash', env: 'production' }, output: { kinds: ['drift'], drift: { driftedShare: 1, statistics: { x: 0.9 } } }, seconds: 0.1 });

    for (const url of [metrics.url, `${server.url}/metrics`]) {
      for (const name of parsePromText(await (await fetch(url)).text()).names) exported.add(name);
    }
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await server?.close();
    await metrics?.close();
    await database?.close();
  });

  it('queries only metrics that the worker and the model server export', () => {
    expect(queries.length).toBeGreaterThan(15);
    const unknown = queries.flatMap((q) => metricNames(q.expr).filter((n) => !exported.has(n)).map((n) => `${q.panel}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('shows every Ferry metric family the issue asks for, and the Temporal SDK\u2019s own', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const name of [
      'ferry_runs_in_flight', 'ferry_runs_started_total', 'ferry_runs_finished_total', 'ferry_stage_duration_seconds_bucket',
      'ferry_approvals_pending', 'ferry_approval_wait_seconds_bucket', 'ferry_deployments_total', 'ferry_rollbacks_total',
      'ferry_drift_statistic', 'ferry_monitor_breaches_total', 'ferry_predictions_total', 'ferry_prediction_duration_seconds_bucket',
      'ferry_prediction_log_queue_depth', 'ferry_prediction_log_dropped_total',
    ]) expect(used.has(name), name).toBe(true);
    expect([...used].some((n) => n.startsWith('temporal_'))).toBe(true);
  });

  it('reads from the provisioned Prometheus datasource, which Prometheus fills by scraping the worker and the model server', () => {
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.every((p) => p.datasource?.uid === 'prometheus')).toBe(true);
    const datasources = parse(readFileSync(new URL('../../ops/grafana/provisioning/datasources/prometheus.yml', import.meta.url), 'utf8')) as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    const prometheus = parse(readFileSync(new URL('../../ops/prometheus.yml', import.meta.url), 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toEqual(expect.arrayContaining(['worker:9464', 'serve:8000']));
    const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, { environment?: Record<string, string>; command?: string[]; volumes?: string[] }> };
    expect(compose.services.worker?.environment?.FERRY_METRICS_PORT).toBe('9464');
    expect(compose.services.serve?.command).toEqual(expect.arrayContaining(['serve', '--port', '8000']));
    expect(compose.services.grafana?.volumes).toEqual(expect.arrayContaining(['./ops/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
  });
});
