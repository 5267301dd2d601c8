import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { createDatabase } from '../../src/db/client.js';
import { predictions, servingRoutes } from '../../src/db/schema/index.js';
import { definePredictor } from '../../src/dsl/ferry-config.js';
import { FerryError } from '../../src/core/errors.js';
import { createModelServer, createPredictionLogger, type PredictionRecord } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';

// Attack #6 of the red-team pass: one record containing \u0000 (or nested 5,000 levels deep) made every later batch
// insert fail, 10,052 queued predictions were dropped silently at restart, and the queue was bounded by count, not
// bytes. The log must isolate a bad row (quarantine, metric, alert), keep the good ones, bound its memory in bytes,
// and say what it wrote, dropped and why it could not flush.

const record = (requestId: string, model: string, extra: Partial<PredictionRecord> = {}): PredictionRecord => ({
  requestId,
  model,
  version: 1,
  env: 'test',
  inputs: { x: 1 },
  outputs: 2,
  error: null,
  latencyMs: 0.5,
  at: new Date(),
  ...extra,
});

/** `{"a":{"a":…1…}}`, `levels` deep, as JSON text (JSON.stringify itself would run out of stack). */
const deep = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** The `error` field of an HTTP error response. */
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

/** A predictor whose output for x = 13 carries a NUL: the request itself was clean, the log row is not. */
const nulPredictor = definePredictor('nul', () => (rows) => rows.map((r) => (Number(r.x) === 13 ? { label: 'bad\u0000label' } : { label: 'ok' })));

describe.each(backends())('a prediction log that cannot be poisoned ($name)', (backend) => {
  let database: TestDatabase;
  const rows = async (model: string) => (await database.db.select({ n: count() }).from(predictions).where(eq(predictions.model, model)))[0]!.n;
  const quarantined = async (model: string) =>
    (await database.db.execute<{ request_id: string; reason: string; record: string }>(sql`select request_id, reason, record from prediction_quarantine where model = ${model} order by id`)).rows;

  beforeAll(async () => {
    database = await backend.create();
    for (const model of ['nul', 'toy-sec']) {
      await registerToyVersions(database.db, model, { 1: { slope: 2, intercept: 0 } });
      await database.db.insert(servingRoutes).values({ model, env: 'production', routes: [{ version: 1, percent: 100 }] });
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  it('writes every good record around one that Postgres refuses, and quarantines that one with an alert', async () => {
    const alerts: { requestId: string; reason: string }[] = [];
    const logger = createPredictionLogger(database.db, { batchSize: 100, flushMs: 60_000, onQuarantine: (event) => void alerts.push(event) });
    for (let i = 0; i < 250; i++) logger.log(record(`poison-a-${i}`, 'poisoned'));
    logger.log(record('poison-bad', 'poisoned', { outputs: { label: 'x\u0000y' } }));
    logger.log(record('poison-bad-error', 'poisoned', { outputs: null, error: 'predictor said \u0000' }));
    for (let i = 0; i < 250; i++) logger.log(record(`poison-b-${i}`, 'poisoned'));
    const report = await logger.close();
    expect(report).toMatchObject({ written: 500, quarantined: 2, dropped: 0, unwritten: 0 });
    expect(await rows('poisoned')).toBe(500);
    const bad = await quarantined('poisoned');
    expect(bad.map((r) => r.request_id)).toEqual(['poison-bad', 'poison-bad-error']);
    // Kept as JSON text, the NUL escaped, so the record can be inspected and replayed by hand.
    expect(JSON.parse(bad[0]!.record)).toMatchObject({ requestId: 'poison-bad', outputs: { label: 'x\u0000y' } });
    expect(alerts.map((a) => a.requestId)).toEqual(['poison-bad', 'poison-bad-error']);
    expect(alerts[0]!.reason).toMatch(/\\u0000|unicode|0x00/i);
  });

  it('quarantines a poisoned prediction the model server logged, and counts it in /metrics', async () => {
    const server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy-sec'), nulPredictor] }), port: 0, logger: { flushMs: 50, onQuarantine: () => undefined } });
    try {
      for (const x of [1, 13, 2]) {
        const res = await fetch(`${server.url}/v1/models/nul/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `srv-${x}` }, body: JSON.stringify({ inputs: [{ x }] }) });
        expect(res.status).toBe(200);
      }
    } finally {
      await server.close();
    }
    expect(server.stats().predictionLog).toMatchObject({ written: 2, quarantined: 1, queued: 0 });
    expect((await quarantined('nul')).map((r) => r.request_id)).toEqual(['srv-13']);
    const { metricsRegistry } = await import('../../src/observability/metrics-registry.js');
    expect(await metricsRegistry.metrics()).toMatch(/^ferry_prediction_log_quarantined_total \d+$/m);
  });

  it('refuses a predict body with a NUL character, a lone surrogate or 5,000 levels of nesting, naming the field', async () => {
    const server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy-sec'), nulPredictor] }), port: 0 });
    try {
      const post = (body: string) => fetch(`${server.url}/v1/models/toy-sec/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const nul = await post(JSON.stringify({ inputs: [{ x: 1 }, { x: 2, name: 'a\u0000b' }] }));
      expect(nul.status).toBe(400);
      expect(await errorOf(nul)).toMatch(/^body\.inputs\[1\]\.name: contains a NUL character/);
      const surrogate = await post('{"inputs":[{"x":1,"s":"\\ud800"}]}');
      expect(surrogate.status).toBe(400);
      expect(await errorOf(surrogate)).toMatch(/^body\.inputs\[0\]\.s: contains a lone surrogate/);
      const nested = await post(`{"inputs":[{"x":1,"deep":${deep(5000)}}]}`);
      expect(nested.status).toBe(400);
      expect(await errorOf(nested)).toMatch(/^body\.inputs\[0\]\.deep(\.a)*: nested deeper than 32 levels/);
      const key = await post(JSON.stringify({ inputs: [{ x: 1, ['k\u0000']: 1 }] }));
      expect(key.status).toBe(400);
      const id = await post(JSON.stringify({ inputs: [{ x: 1 }], requestIds: ['id\u0000'] }));
      expect(id.status).toBe(400);
      expect(await errorOf(id)).toMatch(/^body\.requestIds\[0\]: /);
      const fine = await post(`{"inputs":[{"x":3,"deep":${deep(10)}}]}`);
      expect(fine.status).toBe(200);
    } finally {
      await server.close();
    }
    expect(server.stats().predictionLog).toMatchObject({ written: 1, quarantined: 0 });
  });

  it('refuses a feedback label with a NUL character (400, not a failed insert)', async () => {
    const server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy-sec'), nulPredictor] }), port: 0 });
    try {
      const res = await fetch(`${server.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback: [{ requestId: 'r1', label: { y: '\u0000' } }] }) });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatch(/^body\.feedback\[0\]\.label\.y: contains a NUL character/);
    } finally {
      await server.close();
    }
  });

  it('bounds its queue by bytes: big records beyond the bound are dropped and counted in records and bytes', async () => {
    const logger = createPredictionLogger(database.db, { batchSize: 1000, flushMs: 60_000, maxQueueBytes: 1_000_000 });
    const big = 'x'.repeat(300_000);
    const accepted = Array.from({ length: 10 }, (_, i) => logger.log(record(`big-${i}`, 'big', { inputs: { big } })));
    expect(accepted.filter(Boolean)).toHaveLength(3);
    const stats = logger.stats();
    expect(stats).toMatchObject({ queued: 3, dropped: 7 });
    expect(stats.queuedBytes).toBeGreaterThan(900_000);
    expect(stats.queuedBytes).toBeLessThanOrEqual(1_000_000);
    expect(stats.droppedBytes).toBeGreaterThan(7 * 300_000);
    // Small records still fit next to them, and nothing queued is lost.
    expect(logger.log(record('small-after-big', 'big'))).toBe(true);
    expect(await logger.close()).toMatchObject({ written: 4, dropped: 7, unwritten: 0 });
    expect(await rows('big')).toBe(4);
  });

  it('counts a request id it already logged as a duplicate, not as written', async () => {
    const logger = createPredictionLogger(database.db, { batchSize: 10, flushMs: 60_000 });
    logger.log(record('dup-sec', 'dups-sec'));
    await logger.flush();
    logger.log(record('dup-sec', 'dups-sec', { outputs: 99 }));
    expect(await logger.close()).toMatchObject({ written: 1, duplicates: 1 });
    expect(await rows('dups-sec')).toBe(1);
  });

  it('says why close() could not write, and how many records that leaves unwritten', async () => {
    // A database nobody listens on: the log cannot write and must say so, not hang or drop silently.
    const gone = createDatabase('postgres://ferry:x@127.0.0.1:9/none', { max: 1 });
    const logger = createPredictionLogger(gone.db, { flushMs: 60_000, closeTimeoutMs: 1_000 });
    for (let i = 0; i < 3; i++) logger.log(record(`lost-${i}`, 'lost'));
    const failure = await logger.close().then(
      () => undefined,
      (err: unknown) => err,
    );
    await gone.close();
    expect(failure).toBeInstanceOf(FerryError);
    expect((failure as FerryError).message).toMatch(/^prediction log: 3 records could not be written: .*ECONNREFUSED/);
    expect((failure as FerryError).details).toMatchObject({ unwritten: 3, written: 0 });
  });
});
