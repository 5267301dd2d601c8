import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { predictions, servingRoutes } from '../../src/db/schema/index.js';
import { createModelServer, createPredictionLogger } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from './fixtures.js';

/** Runs `total` tasks with at most `concurrency` at a time. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

describe.each(backends())('the prediction log ($name)', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await backend.create();
    await registerToyVersions(database.db, 'toy', { 1: { slope: 2, intercept: 0 } });
    await database.db.insert(servingRoutes).values({ model: 'toy', env: 'production', routes: [{ version: 1, percent: 100 }] });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('writes every one of 1,000 predictions by the time close() returns', async () => {
    // A long flush interval and big batches: most records are still queued when close() is called.
    const server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy')] }), port: 0, logger: { batchSize: 300, flushMs: 60_000 } });
    const statuses: number[] = [];
    await pool(1000, 16, async (i) => {
      const res = await fetch(`${server.url}/v1/models/toy/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `flush-${i}` },
        body: JSON.stringify({ inputs: [{ x: i }] }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    });
    expect(statuses.every((s) => s === 200)).toBe(true);
    const before = server.stats().predictionLog;
    expect(before.queued + before.written).toBe(1000);
    await server.close();
    const [row] = await database.db.select({ n: count() }).from(predictions).where(eq(predictions.model, 'toy'));
    expect(row!.n).toBe(1000);
    expect(server.stats().predictionLog).toMatchObject({ queued: 0, written: 1000, dropped: 0 });
    const [sample] = await database.db.select().from(predictions).where(eq(predictions.requestId, 'flush-7'));
    expect(sample).toMatchObject({ version: 1, env: 'production', inputs: { x: 7 }, outputs: 14, error: null });
  });

  it('drops and counts records only beyond its queue bound, and writes the rest on close', async () => {
    const logger = createPredictionLogger(database.db, { batchSize: 1000, flushMs: 60_000, maxQueue: 50 });
    const accepted = Array.from({ length: 80 }, (_, i) =>
      logger.log({ requestId: `bound-${i}`, model: 'bounded', version: 1, env: 'test', inputs: { i }, outputs: i, error: null, latencyMs: 0.1, at: new Date() }),
    );
    expect(accepted.filter(Boolean)).toHaveLength(50);
    expect(logger.stats()).toMatchObject({ queued: 50, dropped: 30, written: 0 });
    await logger.close();
    expect(logger.stats()).toMatchObject({ queued: 0, dropped: 30, written: 50 });
    const [row] = await database.db.select({ n: count() }).from(predictions).where(eq(predictions.model, 'bounded'));
    expect(row!.n).toBe(50);
    expect(() => logger.log({ requestId: 'late', model: 'bounded', version: 1, env: 'test', inputs: {}, outputs: null, error: null, latencyMs: 0, at: new Date() })).toThrow(/closed/);
  });

  it('writes a retried request id once', async () => {
    const logger = createPredictionLogger(database.db, { batchSize: 10 });
    const record = { requestId: 'dup-1', model: 'dups', version: 1, env: 'test', inputs: {}, outputs: 1, error: null, latencyMs: 1, at: new Date() };
    logger.log(record);
    await logger.flush();
    logger.log(record);
    await logger.close();
    const [row] = await database.db.select({ n: count() }).from(predictions).where(eq(predictions.model, 'dups'));
    expect(row!.n).toBe(1);
  });
});
