/**
 * Drift is never silently off (issue 17, item 0): a version whose train step writes no reference gets the training
 * dataset recorded at integration as its drift reference, judged on the columns the model's inputs name (not its
 * label); and a monitor that could never get a reference is refused at submission, naming the field and the fix.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aliases, artifacts, modelVersions, monitorChecks } from '../../src/db/schema/index.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { command, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { assertServable } from '../../src/runs/submit.js';
import { startRun } from '../../src/runs/start.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { drifted, modelNames, predict, predictorFor, startHarness, stopMonitor, undrifted, type Harness } from './harness.js';

/** A trainer that writes a model and nothing else: no `reference` artifact. */
const bareTrain = defineStep('ref.bare', z.object({ quality: z.number() }), async (ctx, { quality }) => {
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ quality }));
  return { metrics: { accuracy: quality }, artifacts: { model: 'model.json' } };
});

/** The training data: the model's input x (as the harness's predictors take it) and the label it was trained on. */
const trainCsv = `x,label\n${Array.from({ length: 200 }, (_, i) => `${(i % 20) / 2},${(i % 20) / 2 > 5 ? 'big' : 'small'}`).join('\n')}\n`;

describe('a monitor with no way to get a drift reference is refused at submission', () => {
  const config = configFrom({ predictors: [predictorFor('refused')] });
  const submit = (extra: object) =>
    assertServable(parsePipeline(definePipeline({ name: 'refused', deploy: [{ env: 'production' }], monitor: { every: '1m' }, ...extra }), 'pipelines/refused.ts'), config);

  it('a command train step that writes no reference and no datasets: the file, the field and both fixes', () => {
    expect(() => submit({ train: command('train', 'python train.py', { outputs: 'out' }) })).toThrow(
      'pipelines/refused.ts: monitor: drift needs a reference and train step "train" writes none: declare the training data in datasets[] (the default reference), or add artifacts: { reference: \'reference.csv\' } to the step',
    );
  });

  it('monitor.reference naming no dataset', () => {
    expect(() => submit({ datasets: [{ name: 'train', path: 'data/train.csv' }], monitor: { every: '1m', reference: 'holdout' }, train: step('train', 'ref.bare', { quality: 1 }) })).toThrow(
      'pipelines/refused.ts: monitor.reference: no dataset is named "holdout" (datasets: train); name one of datasets[] or remove monitor.reference',
    );
  });

  it('is accepted with a dataset, or with a reference artifact', () => {
    expect(() => submit({ datasets: [{ name: 'train', path: 'data/train.csv' }], train: command('train', 'python train.py', { outputs: 'out' }) })).not.toThrow();
    expect(() => submit({ train: command('train', 'python train.py', { outputs: 'out', artifacts: { reference: 'ref.csv' } }) })).not.toThrow();
  });
});

describe.each(backends())('a version without a reference artifact is judged against its training dataset ($name)', (backend) => {
  const { model } = modelNames('dsref', ['model'] as const);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, [model], [], {}, [bareTrain], { 'data/train.csv': trainCsv });
  });
  afterAll(async () => {
    await stopMonitor(h, model);
    await h?.close();
  });

  const run = async (quality: number) => {
    const spec = definePipeline({
      name: model,
      model,
      owner: 'alice',
      datasets: [{ name: 'train', path: 'data/train.csv' }],
      train: step('train', 'ref.bare', { quality }),
      deploy: [{ env: 'production' }],
      monitor: { every: '2s', maxDriftShare: 0.3, onBreach: 'rollback', minRows: 30, cooldown: '1m' },
    });
    const handle = await startRun(h.client, parsePipeline(spec, `${model}.ts`), { taskQueue: h.taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    return handle.result();
  };
  const checksOf = (kind: string) => h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, kind)));
  const firstCheck = (kind: string) => waitFor(async () => (await checksOf(kind)).sort((a, b) => a.id - b.id)[0], 45_000, `the first ${kind} verdict`);

  it('stores the dataset with the version, checks drift on x only, and rolls a drifted v2 back', async () => {
    expect(await run(0.8)).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect(await run(0.9)).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const sha = createHash('sha256').update(trainCsv).digest('hex');
    const versions = await h.database.db.select().from(modelVersions).where(eq(modelVersions.model, model));
    expect(versions.map((v) => v.referenceSha256)).toEqual([sha, sha]);
    const [stored] = await h.database.db.select().from(artifacts).where(eq(artifacts.sha256, sha));
    expect(stored).toMatchObject({ kind: 'dataset', size: Buffer.byteLength(trainCsv) });

    // Inputs like the training data: judged, not drifted; the label column is not a feature the model takes.
    expect(await predict(h, model, undrifted(60))).toMatchObject({ status: 200, body: { version: 2 } });
    // A check stores its drift verdict, then its data-quality finding: wait for each.
    const drift = await firstCheck('drift');
    expect(drift).toMatchObject({ version: 2, breached: false, result: { driftedShare: 0, drifted: [] } });
    expect(Object.keys((drift!.result as { statistics: object }).statistics)).toEqual(['x']);
    const quality = await firstCheck('data-quality');
    expect(quality).toMatchObject({ breached: false, result: { columns: [{ column: 'x', missingShare: 0 }] } });

    // x far outside the training data: drift on v2, production back on v1.
    expect(await predict(h, model, drifted(60))).toMatchObject({ status: 200, body: { version: 2 } });
    await waitFor(async () => ((await h.database.db.select().from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production'))))[0]?.version === 1 ? true : undefined), 45_000, 'the rollback to v1');
    expect((await checksOf('drift')).find((c) => c.breached)).toMatchObject({ version: 2, result: { driftedShare: 1, drifted: ['x'] } });
  }, 180_000);
});
