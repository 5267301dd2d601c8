import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experiments } from '../../src/db/schema/index.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { reproduce } from '../../src/runs/reproduce.js';
import { startRun } from '../../src/runs/start.js';
import definition from '../../pipelines/penguins.js';
import { predictor } from '../../pipelines/penguins/predictor.js';
import { evaluate, train } from '../../pipelines/penguins/steps.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { failureOf, startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const file = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const DATA = 'pipelines/penguins/data/penguins.csv';

describe.each(backends())('ferry reproduce ($name)', (backend) => {
  let database: TestDatabase;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const taskQueue = uniqueQueue('reproduce');
  const loaded = parsePipeline({ ...definition, deploy: [], monitor: undefined }, 'pipelines/penguins.ts');

  beforeAll(async () => {
    database = await backend.create();
    const repo = makeRepo({ [DATA]: file(DATA), 'pipelines/penguins/check.mjs': file('pipelines/penguins/check.mjs') });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [train, evaluate], predictors: [predictor] }, cwd: repo });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('re-runs a registered version at its commit, params and seed and finds an identical artifact', async () => {
    const run = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test', triggeredBy: 'alex' });
    const original = await run.result();
    expect(original.modelVersion).toBe(1);
    const result = await reproduce({ client: temporal.client, db: database.db, taskQueue, actor: 'alex' }, 'penguins', 1);
    expect(result).toMatchObject({ model: 'penguins', version: 1, identical: true, registeredSha256: original.artifactSha256, reproducedSha256: original.artifactSha256 });
    expect(result.metrics.accuracy).toEqual([original.metrics.accuracy, original.metrics.accuracy, 0]);
    expect(result.environment).toEqual([]);
  });

  it('reports each way the environment differs from the training run, beside an identical artifact', async () => {
    const run = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test', triggeredBy: 'alex' });
    const original = await run.result();
    // As if it had been trained on another machine: Node 18, and a requirements.txt the checkout no longer has.
    await database.db
      .update(experiments)
      .set({ environment: sql`jsonb_set(jsonb_set(${experiments.environment}, '{node}', '"v18.20.4"'), '{lockfiles,requirements.txt}', '"ab12"')` })
      .where(eq(experiments.workflowId, run.workflowId));
    const result = await reproduce({ client: temporal.client, db: database.db, taskQueue, actor: 'alex' }, 'penguins', original.modelVersion!);
    expect(result.identical).toBe(true);
    expect(result.environment).toEqual([
      { key: 'lockfiles.requirements.txt', registered: 'ab12' },
      { key: 'node', registered: 'v18.20.4', reproduced: process.version },
    ]);
  });

  it('refuses when a dataset no longer hashes the same, naming the dataset', async () => {
    const handle = await temporal.client.workflow.start('pipelineRun', {
      workflowId: uniqueQueue('reproduce-changed'),
      taskQueue,
      args: [{ spec: loaded.spec, specHash: loaded.specHash, trigger: 'reproduce', taskQueue, reproduce: { model: 'penguins', version: 1, datasets: [{ name: 'penguins', sha256: '0'.repeat(64) }] } }],
    });
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    const failure = failureOf(history);
    expect(failure?.message).toMatch(/^dataset "penguins" changed since penguins@1 was trained: recorded sha256 000000000000, now [0-9a-f]{12}; a reproduction needs the same data$/);
  });
});
