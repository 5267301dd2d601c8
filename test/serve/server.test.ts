import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { feedback, predictions, servingRoutes } from '../../src/db/schema/index.js';
import { createModelServer, createSeededRng, pickVersion, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from './fixtures.js';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe.each(backends())('the model server ($name)', (backend) => {
  let database: TestDatabase;
  let server: ModelServer;
  const seed = 42;

  beforeAll(async () => {
    database = await backend.create();
    await registerToyVersions(database.db, 'toy', { 1: { slope: 2, intercept: 0 }, 2: { slope: 3, intercept: 1 }, 3: { slope: 0, intercept: 0, fail: 'boom: weights corrupt' } });
    await database.db.insert(servingRoutes).values([
      { model: 'toy', env: 'production', routes: [{ version: 1, percent: 90 }, { version: 2, percent: 10 }], generation: 4 },
      { model: 'toy', env: 'staging', routes: [{ version: 3, percent: 100 }] },
    ]);
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy')] }), port: 0, refreshMs: 50, rng: createSeededRng(seed) });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('reports the generation and routes it has loaded, per env', async () => {
    const res = await fetch(`${server.url}/v1/models/toy/version?env=production`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ generation: 4, routes: [{ version: 1, percent: 90 }, { version: 2, percent: 10 }] });
    const all = (await (await fetch(`${server.url}/v1/models/toy`)).json()) as { envs: { env: string; versions: number[] }[] };
    expect(all.envs.map((e) => [e.env, e.versions])).toEqual([['production', [1, 2]], ['staging', [3]]]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/v1/models/nope/version?env=production`)).status).toBe(404);
  });

  it('splits traffic by the routes\u2019 percentages, request by request, with the injected RNG', async () => {
    const replay = createSeededRng(seed);
    const expected = { 1: 0, 2: 0 } as Record<number, number>;
    const seen = { 1: 0, 2: 0 } as Record<number, number>;
    for (let i = 0; i < 1000; i++) {
      expected[pickVersion([{ version: 1, percent: 90 }, { version: 2, percent: 10 }], replay)]! += 1;
      const res = await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: i }] });
      const body = (await res.json()) as { version: number; outputs: number[] };
      expect(body.outputs[0]).toBe(body.version === 1 ? 2 * i : 3 * i + 1);
      seen[body.version]! += 1;
    }
    expect(seen).toEqual(expected);
    expect(seen[1]! / 1000).toBeGreaterThan(0.85);
    expect(seen[1]! / 1000).toBeLessThan(0.95);
  });

  it('honours X-Request-Id and body requestIds, one id per record', async () => {
    const one = await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 1 }] }, { 'x-request-id': 'req-abc' });
    expect(one.headers.get('x-request-id')).toBe('req-abc');
    expect(((await one.json()) as { requestIds: string[] }).requestIds).toEqual(['req-abc']);
    const many = (await (await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 1 }, { x: 2 }] }, { 'x-request-id': 'batch' })).json()) as { requestIds: string[] };
    expect(many.requestIds).toEqual(['batch:0', 'batch:1']);
    const given = (await (await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 1 }, { x: 2 }], requestIds: ['a-1', 'a-2'] })).json()) as { requestIds: string[] };
    expect(given.requestIds).toEqual(['a-1', 'a-2']);
  });

  it('answers a throwing predictor with 500 and logs the prediction with its error', async () => {
    const res = await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 1 }], env: 'staging' }, { 'x-request-id': 'will-fail' });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('boom: weights corrupt'), version: 3, requestIds: ['will-fail'] });
    await waitForRow(database, 'will-fail');
    const [row] = await database.db.select().from(predictions).where(eq(predictions.requestId, 'will-fail'));
    expect(row).toMatchObject({ model: 'toy', version: 3, env: 'staging', outputs: null, error: 'boom: weights corrupt' });
  });

  it('rejects a bad body with 400 naming the field, and an unserved env with 404', async () => {
    const bad = await post(`${server.url}/v1/models/toy/predict`, { inputs: 'x=1' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^body\.inputs: /);
    const mismatched = await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 1 }], requestIds: ['a', 'b'] });
    expect(((await mismatched.json()) as { error: string }).error).toContain('body.requestIds: requestIds must have one id per input record');
    expect((await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 1 }], env: 'canary-lab' })).status).toBe(404);
  });

  it('stores feedback idempotently for served request ids; a different label never overwrites the first', async () => {
    const body = { feedback: [{ requestId: 'a-1', label: 2 }, { requestId: 'a-2', label: 5 }] };
    expect(await (await post(`${server.url}/v1/feedback`, body)).json()).toEqual({ accepted: 2, unchanged: [], refused: [] });
    const again = await post(`${server.url}/v1/feedback`, body);
    expect([again.status, await again.json()]).toEqual([200, { accepted: 0, unchanged: ['a-1', 'a-2'], refused: [] }]);
    const changed = await post(`${server.url}/v1/feedback`, { feedback: [{ requestId: 'a-2', label: 4 }] });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ accepted: 0, refused: [{ requestId: 'a-2', reason: 'already labelled 5; a label is never overwritten' }] });
    const rows = await database.db.select().from(feedback).orderBy(feedback.requestId);
    expect(rows.map((r) => [r.requestId, r.label])).toEqual([['a-1', 2], ['a-2', 5]]);
    expect((await post(`${server.url}/v1/feedback`, { feedback: [{ requestId: 'a-3' }] })).status).toBe(400);
  });

  it('picks up a route change on its next poll and reports the new generation', async () => {
    await database.db.update(servingRoutes).set({ routes: [{ version: 2, percent: 100 }], generation: 5 }).where(eq(servingRoutes.env, 'production'));
    await expect.poll(async () => ((await (await fetch(`${server.url}/v1/models/toy/version?env=production`)).json()) as { generation: number }).generation).toBe(5);
    const body = (await (await post(`${server.url}/v1/models/toy/predict`, { inputs: [{ x: 2 }] })).json()) as { version: number };
    expect(body.version).toBe(2);
  });

  it('keeps serving the old generation when a new one cannot load, and says why', async () => {
    await database.db.update(servingRoutes).set({ routes: [{ version: 99, percent: 100 }], generation: 9 }).where(eq(servingRoutes.env, 'staging'));
    await server.refresh();
    const version = await fetch(`${server.url}/v1/models/toy/version?env=staging`);
    expect(await version.json()).toMatchObject({ generation: 1, routes: [{ version: 3, percent: 100 }] });
    const all = (await (await fetch(`${server.url}/v1/models/toy`)).json()) as { envs: { env: string; pending?: { error: string } }[] };
    expect(all.envs.find((e) => e.env === 'staging')?.pending?.error).toContain('model toy v99: not in the registry');
  });

  async function waitForRow(db: TestDatabase, requestId: string): Promise<void> {
    await expect.poll(async () => (await db.db.select({ n: count() }).from(predictions).where(eq(predictions.requestId, requestId)))[0]!.n, { timeout: 5000 }).toBe(1);
  }
});
