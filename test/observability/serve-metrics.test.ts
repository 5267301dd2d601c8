import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { servingRoutes } from '../../src/db/schema/index.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';
import { parsePromText, valueOf } from './prom-text.js';

const predict = (server: ModelServer, model: string, inputs: unknown[], env = 'production') =>
  fetch(`${server.url}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs, env }) });

describe.each(backends().slice(0, 1))('the model server /metrics ($name)', (backend) => {
  let database: TestDatabase;
  let server: ModelServer;

  beforeAll(async () => {
    database = await backend.create();
    await registerToyVersions(database.db, 'obs-toy', { 1: { slope: 2, intercept: 0 }, 2: { slope: 0, intercept: 0, fail: 'boom' } });
    await database.db.insert(servingRoutes).values([
      { model: 'obs-toy', env: 'production', routes: [{ version: 1, percent: 100 }] },
      { model: 'obs-toy', env: 'staging', routes: [{ version: 2, percent: 100 }] },
    ]);
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('obs-toy')] }), port: 0, refreshMs: 50, logger: { maxQueue: 3, flushMs: 60_000, batchSize: 1000 } });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('counts predictions by model, env and status, times them, and reports the log queue and its drops', async () => {
    expect((await predict(server, 'obs-toy', [{ x: 1 }, { x: 2 }])).status).toBe(200);
    expect((await predict(server, 'obs-toy', [{ x: 3 }])).status).toBe(200);
    expect((await predict(server, 'obs-toy', [{ x: 4 }], 'staging')).status).toBe(500);
    expect((await predict(server, 'no-such-model', [{ x: 5 }])).status).toBe(404);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples } = parsePromText(await res.text());
    expect(valueOf(samples, 'ferry_predictions_total', { model: 'obs-toy', env: 'production', status: 'ok' })).toBe(3);
    expect(valueOf(samples, 'ferry_predictions_total', { model: 'obs-toy', env: 'staging', status: 'error' })).toBe(1);
    // An unknown model name shares one series: URLs cannot grow the label set.
    expect(valueOf(samples, 'ferry_predictions_total', { model: 'unserved', env: 'unserved', status: 'error' })).toBe(1);
    expect(samples.some((s) => s.labels.model === 'no-such-model')).toBe(false);
    expect(valueOf(samples, 'ferry_prediction_duration_seconds_count', { model: 'obs-toy', env: 'production' })).toBe(2);
    // maxQueue 3 and no flush yet: three records queued, the fourth dropped.
    expect(valueOf(samples, 'ferry_prediction_log_queue_depth')).toBe(3);
    expect(valueOf(samples, 'ferry_prediction_log_dropped_total')).toBe(1);
    expect(valueOf(samples, 'ferry_serving_routes')).toBe(2);
  });

  it('no longer answers 501: the registry is served with the server\u2019s stats', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('# TYPE ferry_prediction_log_written_total counter');
    expect(text).toContain('# TYPE ferry_serving_loaded_versions gauge');
  });
});
