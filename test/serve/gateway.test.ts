import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { predictions, servingRoutes } from '../../src/db/schema/index.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from './fixtures.js';

const post = (url: string, body: string | object, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** What a refused request answered: its status and error line. */
async function refusal(res: Response): Promise<{ status: number; error: string }> {
  return { status: res.status, error: ((await res.json()) as { error: string }).error };
}

describe.each(backends())('the gateway under bad requests, V1 and V2 ($name)', (backend) => {
  let database: TestDatabase;
  let server: ModelServer;

  beforeAll(async () => {
    database = await backend.create();
    await registerToyVersions(database.db, 'gw', { 1: { slope: 2, intercept: 1 } });
    await database.db.insert(servingRoutes).values({ model: 'gw', env: 'production', routes: [{ version: 1, percent: 100 }] });
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('gw')] }), port: 0, refreshMs: 100, logger: { flushMs: 50 } });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('speaks V2: health, server and model metadata, readiness, and inference logged like V1', async () => {
    expect(await (await fetch(`${server.url}/v2/health/live`)).json()).toEqual({ live: true });
    expect(await (await fetch(`${server.url}/v2/health/ready`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${server.url}/v2`)).json()).toMatchObject({ name: 'ferry' });
    expect((await fetch(`${server.url}/v2/models/gw/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/models/gw/versions/2/ready`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/v2/models/gw`)).json()).toMatchObject({ name: 'gw', versions: ['1'], platform: 'ferry-js', parameters: { backend: 'js', routes: [{ version: 1, percent: 100 }] } });

    const res = await post(`${server.url}/v2/models/gw/infer`, { id: 'v2-call', inputs: [{ name: 'x', shape: [3], datatype: 'FP64', data: [1, 2, 3] }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      model_name: 'gw',
      model_version: '1',
      id: 'v2-call',
      parameters: { request_ids: ['v2-call:0', 'v2-call:1', 'v2-call:2'] },
      outputs: [{ name: 'predict', shape: [3], datatype: 'FP64', data: [3, 5, 7] }],
    });
    const pinned = await post(`${server.url}/v2/models/gw/versions/1/infer`, { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP64', data: [[4]] }] });
    expect(((await pinned.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([9]);
    await server.close().catch(() => undefined);
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('gw')] }), port: 0, refreshMs: 100, logger: { flushMs: 50 } });
    const [logged] = await database.db.select().from(predictions).where(eq(predictions.requestId, 'v2-call:1'));
    expect(logged).toMatchObject({ model: 'gw', version: 1, env: 'production', inputs: { x: 2 }, outputs: 5, error: null });
  });

  it('answers every bad request with a 4xx naming the problem, stays up, and logs every good request sent alongside', async () => {
    const huge = `{"inputs":[{"x":"${'a'.repeat(50 * 1024 * 1024)}"}]}`;
    const bad: [string, () => Promise<Response>, number, RegExp][] = [
      ['malformed JSON', () => post(`${server.url}/v1/models/gw/predict`, '{"inputs": [{"x": 1}'), 400, /not JSON/],
      ['inputs not an array', () => post(`${server.url}/v1/models/gw/predict`, { inputs: { x: 1 } }), 400, /^body\.inputs: expected an array of input records/],
      ['unknown field', () => post(`${server.url}/v1/models/gw/predict`, { inputs: [{ x: 1 }], shape: 3 }), 400, /^body\.\(root\)|^body\.shape|unrecognized/i],
      ['unknown model (V1)', () => post(`${server.url}/v1/models/nope/predict`, { inputs: [{ x: 1 }] }), 404, /model nope is not served in env production/],
      ['unknown model (V2)', () => post(`${server.url}/v2/models/nope/infer`, { inputs: [{ name: 'x', shape: [1], datatype: 'FP64', data: [1] }] }), 404, /model nope is not served/],
      ['V2 shape and data disagree', () => post(`${server.url}/v2/models/gw/infer`, { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP64', data: [1, 2, 3] }] }), 400, /inputs\.x: shape \[2, 2\] needs 4 values, data has 3/],
      ['V2 batch sizes differ', () => post(`${server.url}/v2/models/gw/infer`, { inputs: [{ name: 'x', shape: [2], datatype: 'FP64', data: [1, 2] }, { name: 'y', shape: [3], datatype: 'FP64', data: [1, 2, 3] }] }), 400, /inputs\.y\.shape: batch of 3 rows, but inputs\.x has 2/],
      ['V2 datatype lies', () => post(`${server.url}/v2/models/gw/infer`, { inputs: [{ name: 'x', shape: [1], datatype: 'FP64', data: ['one'] }] }), 400, /inputs\.x\.data\[0\]: "one" is not valid FP64/],
      ['V2 without inputs', () => post(`${server.url}/v2/models/gw/infer`, { inputs: [] }), 400, /^body\.inputs: expected at least one input tensor/],
      ['V2 version not a number', () => post(`${server.url}/v2/models/gw/versions/latest/infer`, { inputs: [{ name: 'x', shape: [1], datatype: 'FP64', data: [1] }] }), 400, /version "latest" is not a version number/],
      ['broken percent-encoding in the path', () => post(`${server.url}/v1/models/%E0%A4%A/predict`, { inputs: [{ x: 1 }] }), 400, /path segment "%E0%A4%A" is not valid percent-encoding/],
      ['a record that is not an object', () => post(`${server.url}/v1/models/gw/predict`, { inputs: [42] }), 400, /^body\.inputs\[0\]: /],
      ['V2 body that is not an object', () => post(`${server.url}/v2/models/gw/infer`, '[1, 2, 3]'), 400, /^body\./],
      ['50 MB body', () => post(`${server.url}/v1/models/gw/predict`, huge), 413, /request body exceeds 10485760 bytes/],
    ];
    // Good traffic keeps flowing while the bad requests arrive.
    let good = 0;
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running || i < 20; i++) {
        const res = await post(`${server.url}/v1/models/gw/predict`, { inputs: [{ x: i }] }, { 'x-request-id': `good-${i}` });
        expect(res.status).toBe(200);
        good += 1;
      }
    })();
    for (const [what, send, status, message] of bad) {
      const answer = await refusal(await send());
      expect({ what, ...answer }).toMatchObject({ what, status, error: expect.stringMatching(message) });
    }
    running = false;
    await traffic;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
    const [row] = await database.db.select({ n: count() }).from(predictions).where(eq(predictions.model, 'gw'));
    // The 4 records of the V2 test and every good request; not one record of a bad one.
    expect(row!.n).toBe(4 + good);
    expect(server.stats().predictionLog).toMatchObject({ dropped: 0, quarantined: 0, queued: 0 });
  });
});
