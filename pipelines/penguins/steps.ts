import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStep, type StepContext } from 'ferry';
import { writeCsv } from './csv.js';
import { loadPenguinsCsv } from './data.js';
import { FEATURES, featuresOf, type LabelledPenguin } from './features.js';
import { classificationReport, flatMetrics, type ClassificationReport } from './metrics.js';
import { hyperparametersSchema, loadClassifier, readModel, trainModel, type Classifier } from './model.js';
import { declaredDataset, resolveParams, StepInputError } from './params.js';
import { stratifiedSplit } from './split.js';

/**
 * The penguins pipeline's step functions (registered in ferry.config.ts). Their tunable params come from the pipeline's
 * `params`, so `ferry run pipelines/penguins.ts --param trees=80` retrains with 80 trees; see {@link resolveParams}.
 */

const testShare = z.number().gt(0, 'expected a share > 0').lt(1, 'expected a share < 1');

export const trainParams = hyperparametersSchema.extend({ testShare });
export const evaluateParams = z.strictObject({
  testShare,
  /** Id of the step whose `model` artifact is evaluated. */
  trainStep: z.string().min(1).default('train'),
});

/** The run's data: the declared `penguins` dataset, cleaned and split with the run's seed (the same split in every step). */
function splitData(ctx: StepContext, share: number) {
  const dataset = declaredDataset(ctx, 'penguins');
  const { rows, dropped } = loadPenguinsCsv(dataset.path);
  const split = stratifiedSplit(rows, (r) => r.species, { testShare: share, seed: ctx.seed });
  return { ...split, dropped, sha256: dataset.sha256 };
}

function score(classifier: Classifier, rows: readonly LabelledPenguin[]): ClassificationReport {
  const predicted = classifier.predict(rows).map((p) => p.species);
  return classificationReport(
    rows.map((r) => r.species),
    predicted,
    classifier.artifact.classes,
  );
}

/**
 * Trains a seeded random forest on the training split and scores it on the held-out split. Writes `model.json` (the
 * model artifact the registry versions and the predictor loads) and `reference.csv` (the training features: the
 * reference window of drift checks).
 */
export const train = defineStep('penguins.train', trainParams.partial(), async (ctx, stepParams) => {
  const { testShare: share, ...hyperparameters } = resolveParams(trainParams, ctx, stepParams);
  const data = splitData(ctx, share);
  ctx.heartbeat({ phase: 'data', train: data.train.length, test: data.test.length, dropped: data.dropped });

  const artifact = { ...trainModel(data.train, hyperparameters, ctx.seed), dataset: { sha256: data.sha256 } };
  ctx.heartbeat({ phase: 'trained', trees: hyperparameters.trees });
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify(artifact));
  writeCsv(join(ctx.outputDir, 'reference.csv'), data.train.map(featuresOf), FEATURES);

  const report = score(loadClassifier(artifact), data.test);
  return {
    metrics: flatMetrics(report),
    artifacts: { model: 'model.json', reference: 'reference.csv' },
    hyperparameters,
    dataset: { sha256: data.sha256 },
    rows: { train: data.train.length, test: data.test.length, dropped: data.dropped },
  };
});

/**
 * Scores the model another step trained (default: the step `train`) on the same held-out split: accuracy, macro-F1,
 * per-class precision/recall/F1 and the confusion matrix (also written to `evaluation.json`).
 */
export const evaluate = defineStep('penguins.evaluate', evaluateParams.partial(), async (ctx, stepParams) => {
  const params = resolveParams(evaluateParams, ctx, stepParams);
  const model = ctx.previous[params.trainStep]?.artifacts.model;
  if (!model) {
    const earlier = Object.keys(ctx.previous).join(', ') || 'none';
    throw new StepInputError(`step "${ctx.stepId}": step "${params.trainStep}" produced no "model" artifact (earlier steps: ${earlier}); set trainStep to the id of the training step`);
  }
  const classifier = loadClassifier(readModel(model.path));
  const { test } = splitData(ctx, params.testShare);
  const report = score(classifier, test);
  writeFileSync(join(ctx.outputDir, 'evaluation.json'), JSON.stringify({ model: model.sha256, rows: test.length, ...report }, null, 2));
  // The held-out rows with their labels, for the pipeline's model-risk checks (fairness by island or sex, robustness…).
  writeFileSync(join(ctx.outputDir, 'heldout.json'), JSON.stringify({ features: [...FEATURES], rows: test.map(featuresOf), labels: test.map((p) => p.species) }));
  return {
    metrics: flatMetrics(report, true),
    artifacts: { evaluation: 'evaluation.json', heldout: 'heldout.json' },
    confusion: report.confusion,
  };
});
