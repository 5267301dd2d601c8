// The no-regression gate scores production on the candidate's own held-out data through the model's predictor, on the
// real dev server: the numbers the steps report for themselves are not what it compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configFrom } from '../../src/dsl/load-config.js';
import { checkNoRegression } from '../../src/core/gates.js';
import { definePredictor, defineStep } from '../../src/dsl/ferry-config.js';
import { definePipeline, gate, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { modelCardFor } from '../../src/modelcard/from-registry.js';
import { startRun } from '../../src/runs/start.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { seedPeople } from './fixture.js';

/** A "model" is a threshold on x: `big` above it. */
const train = defineStep('nr.train', z.object({ threshold: z.number() }), async (ctx, { threshold }) => {
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ threshold }));
  return { metrics: {}, artifacts: { model: 'model.json' } };
});
/** Held-out rows labelled `big` above 5, and an accuracy the step merely claims. */
const evaluate = defineStep('nr.evaluate', z.object({ claim: z.number() }), async (ctx, { claim }) => {
  const rows = Array.from({ length: 20 }, (_, i) => ({ x: i / 2 }));
  writeFileSync(join(ctx.outputDir, 'heldout.json'), JSON.stringify({ features: ['x'], rows, labels: rows.map((r) => (r.x > 5 ? 'big' : 'small')) }));
  return { metrics: { accuracy: claim }, artifacts: { heldout: 'heldout.json' } };
});
const predictorFor = (model: string) =>
  definePredictor(
    model,
    (file) => {
      const { threshold } = JSON.parse(readFileSync(file, 'utf8')) as { threshold: number };
      return (rows) => rows.map((r) => ({ label: Number(r.x) > threshold ? 'big' : 'small' }));
    },
    { labelField: 'label' },
  );

describe('the no-regression gate (pure)', () => {
  const noRegression = { kind: 'no-regression' as const, metric: 'f1', tolerance: 0, higherIsBetter: true };
  it('fails when production lacks the metric, naming the candidate value and the fix', () => {
    const result = checkNoRegression(noRegression, { f1: 0.8 }, { version: 3, values: { f1: { candidate: 0.8, source: 'recorded' } } });
    expect(result).toMatchObject({ passed: false, value: 0.8, productionVersion: 3 });
    expect(result.message).toBe('no-regression(f1): production v3 has no "f1" to compare with (candidate 0.8); record it for production or drop the gate');
  });
  it('fails when the candidate lacks the metric, and passes only when nothing is in production', () => {
    expect(checkNoRegression(noRegression, { accuracy: 1 }, { version: 1, values: { f1: { production: 0.9, source: 'recorded' } } })).toMatchObject({ passed: false });
    expect(checkNoRegression(noRegression, { f1: 0.1 }, undefined)).toMatchObject({ passed: true, message: 'f1 = 0.1; no production model to compare with' });
  });
});

describe.each(backends().slice(0, 1))('no-regression against production re-scored on the same data ($name)', (backend) => {
  const model = `nr-${Math.random().toString(16).slice(2, 8)}`;
  let database: TestDatabase;
  let server: ModelServer;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const taskQueue = uniqueQueue('no-regression');

  beforeAll(async () => {
    database = await backend.create();
    await seedPeople(database.db);
    const config = { steps: [train, evaluate], predictors: [predictorFor(model)] };
    server = await createModelServer({ db: database.db, config: configFrom(config), port: 0, refreshMs: 100 });
    worker = await startTestWorker({ db: database.db, taskQueue, config, cwd: makeRepo({ 'README.md': 'nr\n' }), extra: { serveUrl: server.url } });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.close();
    await temporal?.close();
    await database?.close();
  });

  const run = async (threshold: number, claim: number) => {
    const loaded = parsePipeline(
      definePipeline({
        name: model,
        model,
        owner: 'alice',
        train: step('train', 'nr.train', { threshold }),
        evaluate: { step: step('evaluate', 'nr.evaluate', { claim }), gates: [gate.noRegression('accuracy')] },
        deploy: [{ env: 'production' }],
      }),
      `${model}.ts`,
    );
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    return handle.result().then(
      (result) => ({ result, failure: undefined }),
      (failure: unknown) => ({ result: undefined, failure }),
    );
  };

  it('fails a candidate worse than production on the same evaluation data, naming both values, and shows both in the card', async () => {
    // v1 (threshold 5: every held-out row right) understates itself; nothing is in production yet.
    expect((await run(5, 0.5)).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });

    // A candidate at threshold 8 gets 14 of 20 right but claims 0.99: compared with stored numbers it would pass.
    const { failure } = await run(8, 0.99);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'GateFailed',
      message: "gate no-regression(accuracy) failed: accuracy: candidate 0.7 vs production v1 1, both scored on this evaluation's held-out data (tolerance 0): regression",
    });

    // As good as production (claiming 0.1): passes, and its card shows both values.
    expect((await run(5, 0.1)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const { card } = await modelCardFor(database.db, model, 2);
    expect(card.gates).toEqual([
      expect.objectContaining({ gate: 'no-regression(accuracy)', passed: true, value: 1, bound: 1, production: 1, productionVersion: 1, message: expect.stringContaining('candidate 1 vs production v1 1') }),
    ]);
  });
});
