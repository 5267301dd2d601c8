import { describe, expect, it } from 'vitest';
import { permutationImportance, seededPermutations } from '../../src/risk/importance.js';
import { accuracy, macroF1, perClassMetrics } from '../../src/risk/metrics.js';
import type { Row } from '../../src/risk/types.js';
import { fixture, type ImportanceFixture, treeModel } from './model.js';

const ref = fixture<ImportanceFixture>('importance.json');
const model = treeModel(ref.tree);

describe('permutation importance', () => {
  it('the exported tree predicts what sklearn predicted', async () => {
    expect(await model.predict(ref.rows)).toEqual(ref.predictions);
  });

  it.each(ref.cases)('matches sklearn.inspection.permutation_importance ($metric) given the same permutations', async (c) => {
    const report = await permutationImportance({
      predict: model.predict,
      rows: ref.rows,
      labels: ref.labels,
      features: ref.features,
      metric: c.metric,
      repeats: c.repeats,
      permutations: (feature, repeat) => ref.permutations[feature]![repeat]!,
    });
    expect(report.baseline).toBeCloseTo(c.baseline, 12);
    for (const f of report.features) {
      const want = c.importances[f.feature]!;
      f.drops.forEach((d, i) => expect(d).toBeCloseTo(want.drops[i]!, 12));
      expect(f.mean).toBeCloseTo(want.mean, 12);
      expect(f.std).toBeCloseTo(want.std, 12);
    }
  });

  it('is reproducible for a seed (same numbers twice)', async () => {
    const run = () => permutationImportance({ predict: model.predict, rows: ref.rows, labels: ref.labels, features: ref.features, repeats: 5, seed: 7 });
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first.features.find((f) => f.feature === 'flipper_length_mm')!.mean).toBeGreaterThan(0.1);
  });

  it('gives other numbers for another seed', async () => {
    const run = (seed: number) => permutationImportance({ predict: model.predict, rows: ref.rows, labels: ref.labels, features: ['bill_length_mm'], repeats: 5, seed });
    expect((await run(1)).features[0]!.drops).not.toEqual((await run(2)).features[0]!.drops);
  });

  it("a feature's numbers do not depend on which other features are listed", async () => {
    const one = await permutationImportance({ predict: model.predict, rows: ref.rows, labels: ref.labels, features: ['bill_depth_mm'], seed: 3 });
    const all = await permutationImportance({ predict: model.predict, rows: ref.rows, labels: ref.labels, features: ref.features, seed: 3 });
    expect(all.features.find((f) => f.feature === 'bill_depth_mm')).toEqual(one.features[0]);
  });

  it('a feature the model never reads has importance 0', async () => {
    const report = await permutationImportance({ predict: model.predict, rows: ref.rows, labels: ref.labels, features: ['body_mass_g', 'island'], seed: 1 });
    expect(report.features.map((f) => [f.mean, f.std])).toEqual([[0, 0], [0, 0]]);
  });

  it('seeded permutations are permutations and restart for every feature', () => {
    const source = seededPermutations(5);
    const p = source('a', 2, 30);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(source('b', 2, 30)).toEqual(p);
    expect(source('a', 1, 30)).not.toEqual(p);
  });

  it('calls predict once for the baseline and once per feature and repeat', async () => {
    const m = treeModel(ref.tree);
    await permutationImportance({ predict: m.predict, rows: ref.rows, labels: ref.labels, features: ref.features, repeats: 3 });
    expect(m.calls()).toBe(1 + 3 * ref.features.length);
  });

  it('rejects repeats below 1 and a permutation of the wrong length, naming them', async () => {
    const base = { predict: model.predict, rows: ref.rows, labels: ref.labels, features: ['bill_length_mm'] };
    await expect(permutationImportance({ ...base, repeats: 0 })).rejects.toThrow(/repeats must be an integer ≥ 1/);
    await expect(permutationImportance({ ...base, permutations: () => [0, 1] })).rejects.toThrow(/"bill_length_mm" repeat 0 has 2 entries, expected 60/);
  });

  it('leaves the input rows untouched', async () => {
    const rows: Row[] = ref.rows.map((r) => ({ ...r }));
    await permutationImportance({ predict: model.predict, rows, labels: ref.labels, features: ref.features, seed: 9 });
    expect(rows).toEqual(ref.rows);
  });
});

describe('scores', () => {
  it('accuracy and macro-F1 match sklearn on the fixture predictions', () => {
    expect(accuracy(ref.predictions, ref.labels)).toBeCloseTo(ref.cases[0]!.baseline, 14);
    expect(macroF1(ref.predictions, ref.labels)).toBeCloseTo(ref.cases[1]!.baseline, 14);
  });

  it('per-class metrics count support by label and give 0 for an empty denominator', () => {
    const m = perClassMetrics(['a', 'a', 'b', 'c'], ['a', 'b', 'b', 'b']);
    expect(m.a).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
    expect(m.b).toEqual({ precision: 1, recall: 1 / 3, f1: 0.5, support: 3 });
    expect(m.c).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });
});
