import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelVersions, runs, stepRuns } from '../../src/db/schema/index.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { applyParams, startRun } from '../../src/runs/start.js';
import definition from '../../pipelines/penguins.js';
import { readModel } from '../../pipelines/penguins/model.js';
import { evaluate, train } from '../../pipelines/penguins/steps.js';
import { predictor } from '../../pipelines/penguins/predictor.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const file = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const DATA = 'pipelines/penguins/data/penguins.csv';

// integrate → build (check.mjs in a fresh checkout) → train → evaluate with gates. Deploy and monitor are left out:
// they wait for approvals, which the demo test covers.
describe.each(backends())('a penguins run on the real dev server ($name)', (backend) => {
  let database: TestDatabase;
  let repo: string;
  const taskQueue = uniqueQueue('penguins');
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const loaded = parsePipeline({ ...definition, deploy: [], monitor: undefined }, 'pipelines/penguins.ts');

  beforeAll(async () => {
    database = await backend.create();
    repo = makeRepo({ [DATA]: file(DATA), 'pipelines/penguins/check.mjs': file('pipelines/penguins/check.mjs') });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [train, evaluate], predictors: [predictor] }, cwd: repo });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('trains on the hashed dataset, evaluates the stored model and passes the gates', async () => {
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    const result = await handle.result();
    expect(result.state).toBe('succeeded');
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.metrics).toHaveProperty('recall_chinstrap');
    // The two gates, then the risk checks the pipeline declares (one result per group for fairness).
    expect(result.gates.map((g) => [g.gate, g.passed])).toEqual([
      ['min(accuracy)', true],
      ['no-regression(macroF1)', true],
      ['importance', true],
      ['fairness(island)', true],
      ['fairness(island)', true],
      ['fairness(island)', true],
      ['fairness(sex)', true],
      ['fairness(sex)', true],
      ['robustness', true],
      ['calibration', true],
    ]);
    const steps = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, handle.workflowId)).orderBy(stepRuns.id);
    expect(steps.map((s) => [s.step, s.status])).toEqual([
      ['check-data', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
    ]);
    const trained = steps[1]!.output as { artifacts: Record<string, { uri: string }>; result: { rows: unknown } };
    expect(Object.keys(trained.artifacts).sort()).toEqual(['model', 'reference']);
    // The model names the data it was trained on: the bytes of the committed file, hashed at integration.
    const model = readModel(fileURLToPath(trained.artifacts.model!.uri));
    expect(model.dataset?.sha256).toBe(createHash('sha256').update(file(DATA)).digest('hex'));
    expect(trained.result.rows).toEqual({ train: 249, test: 84, dropped: 11 });
    const evaluated = steps[2]!.output as { result: { confusion: { matrix: number[][] } } };
    expect(evaluated.result.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(84);
  });

  it('retrains with the trees a --param override sets', async () => {
    const handle = await startRun(temporal.client, applyParams(loaded, ['trees=7']), { taskQueue, trigger: 'test' });
    expect((await handle.result()).state).toBe('succeeded');
    const [trainStep] = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, handle.workflowId)).then((rows) => rows.filter((r) => r.step === 'train'));
    expect((trainStep!.output as { result: { hyperparameters: { trees: number } } }).result.hyperparameters.trees).toBe(7);
  });
});

describe('model-risk gates in a real run', () => {
  it('stops the run before registration when a fairness bound breaks, naming the group and the value', async () => {
    const [backend] = backends();
    const database = await backend!.create();
    const taskQueue = uniqueQueue('penguins-risk');
    const repo = makeRepo({ [DATA]: file(DATA), 'pipelines/penguins/check.mjs': file('pipelines/penguins/check.mjs') });
    const worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [train, evaluate], predictors: [predictor] }, cwd: repo });
    const temporal = await testClient();
    try {
      const strict = parsePipeline(
        { ...definition, deploy: [], monitor: undefined, evaluate: { ...definition.evaluate, checks: [{ kind: 'fairness', attribute: 'island', positiveClass: 'Gentoo', maxDemographicParityDiff: 0.2 }] } },
        'pipelines/penguins.ts',
      );
      const handle = await startRun(temporal.client, strict, { taskQueue, trigger: 'test' });
      await expect(handle.result()).rejects.toThrow();
      const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
      expect(run!.status).toBe('failed');
      // Gentoo live on Biscoe only: the share predicted Gentoo differs by island far beyond the bound.
      expect(run!.error).toMatch(/^gate fairness\(island\) failed: fairness\(island\): demographic parity difference = 0\.\d+ > max 0\.2; selection rate \("Biscoe" 0\.\d+ vs "(Dream|Torgersen)" 0\)/);
      expect(await database.db.select().from(modelVersions)).toEqual([]);
    } finally {
      await worker.stop();
      await temporal.close();
      await database.close();
    }
  });
});
