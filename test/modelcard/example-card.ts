/** An example card for the penguins tree of test/risk/fixtures: risk checks computed for real, registry data made up. */
import { risk } from '../../src/core/risk.js';
import { buildModelCard, type ModelCardParts } from '../../src/modelcard/index.js';
import { evaluateRiskChecks } from '../../src/risk/evaluate.js';
import { perClassMetrics } from '../../src/risk/metrics.js';
import { fixture, type ImportanceFixture, treeModel } from '../risk/model.js';

const SHA = (c: string) => c.repeat(64);

export async function exampleParts(): Promise<ModelCardParts> {
  const ref = fixture<ImportanceFixture>('importance.json');
  const model = treeModel(ref.tree);
  // A tempered tree (probabilities pulled towards uniform) spreads confidences over several bins: an underconfident model.
  const predictProba = async (rows: Parameters<typeof model.predictProba>[0]) =>
    (await model.predictProba(rows)).map((p, i) => Object.fromEntries(Object.entries(p).map(([c, v]) => [c, (0.45 + (i % 5) * 0.1) * v + (0.55 - (i % 5) * 0.1) / 3])));
  const evaluation = await evaluateRiskChecks(
    [
      risk.importance({ repeats: 5, seed: 7, minTop: 0.05 }),
      risk.fairness({ attribute: 'island', maxDemographicParityDiff: 0.9, minGroupAccuracy: 0.8 }),
      risk.fairness({ attribute: 'sex', positiveClass: 'Adelie', maxEqualizedOddsDiff: 0.3 }),
      risk.robustness({ perturbations: [{ kind: 'noise', features: ['bill_length_mm', 'flipper_length_mm'], scale: 0.1 }, { kind: 'missing', features: ['body_mass_g'] }], maxFlipRate: 0.2 }),
      risk.calibration({ bins: 10, maxEce: 0.35 }),
    ],
    { predict: model.predict, predictProba, rows: ref.rows, labels: ref.labels, features: ref.features, seed: 0 },
  );
  return {
    model: { name: 'penguins', description: 'Predicts the species of a penguin from its bill, flipper and body measurements.', owner: 'ml-team' },
    version: {
      version: 3,
      status: 'approved',
      createdAt: new Date('2025-11-20T10:15:00Z'),
      pipeline: 'penguins',
      artifactSha256: SHA('a'),
      artifactUri: `file://.ferry/artifacts/${SHA('a')}`,
      commit: '4f1c2e9b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e',
      params: { maxDepth: 2, trees: 1 },
      seed: 0,
      sourceWorkflowId: 'run-penguins-20251120-101500',
      specHash: SHA('b'),
      metrics: { accuracy: 0.9667, 'macro-f1': 0.9632 },
      gates: [{ gate: 'min(accuracy)', passed: true, value: 0.9667, bound: 0.9, message: 'accuracy = 0.9667 ≥ min 0.9' }],
    },
    card: {
      intendedUse: 'Teaching and demonstrations of the Ferry lifecycle; classifying penguins measured in the Palmer Archipelago.',
      limitations: ['Trained on 333 penguins from three islands; other populations are out of distribution.', 'A depth-2 tree: Chinstrap recall is lower than the other species.'],
      outOfScope: ['Any decision about real animals.'],
    },
    datasets: [{ name: 'penguins', sha256: SHA('c'), uri: 'data/penguins.csv', rows: 333, role: 'train/test' }],
    perClassMetrics: perClassMetrics(ref.predictions, ref.labels),
    risk: evaluation,
    approvals: [{ env: 'production', approver: 'alice', decision: 'approved', comment: 'Fairness within bounds <ok>', via: 'slack', at: '2025-11-20T11:02:00Z' }],
    deployments: [
      { env: 'staging', status: 'succeeded', strategy: 'all-at-once', trafficPercent: 100, at: '2025-11-20T10:40:00Z' },
      { env: 'production', status: 'succeeded', strategy: 'canary', trafficPercent: 100, at: '2025-11-20T11:30:00Z' },
    ],
    generatedAt: '2025-11-21T08:00:00Z',
  };
}

export async function exampleCard() {
  return buildModelCard(await exampleParts());
}
