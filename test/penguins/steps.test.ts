import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../pipelines/penguins/features.js';
import { readModel } from '../../pipelines/penguins/model.js';
import { evaluate, train } from '../../pipelines/penguins/steps.js';
import { previousStep, stepContext } from './context.js';

describe('penguins.train', () => {
  it('scores ≥ 0.9 accuracy and macro-F1 on the held-out split and reports F1 per species', async () => {
    const ctx = stepContext();
    const result = (await train.run(ctx, {}))!;
    expect(result.metrics!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.metrics!.macroF1).toBeGreaterThanOrEqual(0.9);
    expect(Object.keys(result.metrics!).sort()).toEqual(['accuracy', 'f1_adelie', 'f1_chinstrap', 'f1_gentoo', 'macroF1']);
    expect(result.artifacts).toEqual({ model: 'model.json', reference: 'reference.csv' });
    expect(result.rows).toEqual({ train: 249, test: 84, dropped: 11 });
    expect(ctx.beats.length).toBeGreaterThan(0);
  });

  it('writes a model with its encoding, features and classes, and the training features as reference.csv', async () => {
    const ctx = stepContext();
    await train.run(ctx, {});
    const model = readModel(join(ctx.outputDir, 'model.json'));
    expect(model).toMatchObject({ features: [...FEATURES], classes: ['Adelie', 'Chinstrap', 'Gentoo'], seed: 42, trainingRows: 249, hyperparameters: { trees: 50 } });
    expect(model.encoding).toEqual({ island: ['Biscoe', 'Dream', 'Torgersen'], sex: ['female', 'male'] });
    const reference = readFileSync(join(ctx.outputDir, 'reference.csv'), 'utf8').trimEnd().split('\n');
    expect(reference[0]).toBe(FEATURES.join(','));
    expect(reference).toHaveLength(1 + 249);
  });

  it('takes its tunables from the pipeline params (as --param sets them)', async () => {
    const ctx = stepContext({ pipelineParams: { trees: 80, testShare: 0.25, unrelated: 'ignored' } });
    await train.run(ctx, {});
    expect(readModel(join(ctx.outputDir, 'model.json')).hyperparameters.trees).toBe(80);
  });

  it('refuses a param set differently in the pipeline and on the step', async () => {
    await expect(train.run(stepContext(), { trees: 10 })).rejects.toThrow(/"trees" is set both in the pipeline's params \(50\) and in the step's params \(10\)/);
  });

  it('names a missing or invalid param', async () => {
    await expect(train.run(stepContext({ pipelineParams: { testShare: 0.25 } }), {})).rejects.toThrow(/params\.trees: .*set it in the pipeline's params/);
    await expect(train.run(stepContext({ pipelineParams: { trees: 50, testShare: 1.5 } }), {})).rejects.toThrow(/params\.testShare: expected a share < 1/);
  });

  it('names the dataset to declare when it is missing, as a non-retryable error', async () => {
    const error = await train.run(stepContext({ datasets: {} }), {}).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('InvalidParams');
    expect((error as Error).message).toContain(`no dataset "penguins" is declared (declared: none)`);
  });
});

describe('penguins.evaluate', () => {
  it("scores the train step's model artifact: the same metrics, per-class precision/recall and a confusion matrix", async () => {
    const trainCtx = stepContext();
    const trained = (await train.run(trainCtx, {}))!;
    const ctx = stepContext({ stepId: 'evaluate', previous: { train: previousStep(trainCtx.outputDir, trained) } });
    const result = (await evaluate.run(ctx, {}))!;
    for (const name of ['accuracy', 'macroF1', 'f1_adelie', 'f1_chinstrap', 'f1_gentoo']) expect(result.metrics![name]).toBe(trained.metrics![name]);
    for (const kind of ['precision', 'recall']) for (const s of ['adelie', 'chinstrap', 'gentoo']) expect(result.metrics![`${kind}_${s}`]).toBeGreaterThan(0.8);
    const confusion = result.confusion as { classes: string[]; matrix: number[][] };
    expect(confusion.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(confusion.matrix.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([37, 17, 30]);
    const report = JSON.parse(readFileSync(join(ctx.outputDir, 'evaluation.json'), 'utf8'));
    expect(report).toMatchObject({ rows: 84, accuracy: result.metrics!.accuracy });
  });

  it('names the step whose model it expected when there is none', async () => {
    const ctx = stepContext({ stepId: 'evaluate', previous: { 'check-data': previousStep('/nowhere', { artifacts: { log: 'log.txt' } }) } });
    await expect(evaluate.run(ctx, {})).rejects.toThrow(/step "train" produced no "model" artifact \(earlier steps: check-data\)/);
  });
});
