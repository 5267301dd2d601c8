import { describe, expect, it } from 'vitest';
import { classificationReport, flatMetrics } from '../../pipelines/penguins/metrics.js';

describe('classification metrics', () => {
  // Values as scikit-learn's classification_report gives them (zero_division=0).
  const report = classificationReport(['a', 'a', 'b', 'b', 'c'], ['a', 'b', 'b', 'b', 'a'], ['a', 'b', 'c']);

  it('computes accuracy, per-class scores, macro-F1 and the confusion matrix', () => {
    expect(report.accuracy).toBe(0.6);
    expect(report.perClass.a).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(report.perClass.b!.precision).toBeCloseTo(2 / 3, 12);
    expect(report.perClass.b!.f1).toBeCloseTo(0.8, 12);
    expect(report.perClass.c).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(report.macroF1).toBeCloseTo(1.3 / 3, 12);
    expect(report.confusion.matrix).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
  });

  it('flattens into gate-ready metric names', () => {
    expect(Object.keys(flatMetrics(report))).toEqual(['accuracy', 'macroF1', 'f1_a', 'f1_b', 'f1_c']);
    expect(flatMetrics(report, true)).toHaveProperty('recall_b', 1);
  });

  it('rejects labels it does not know and mismatched lengths', () => {
    expect(() => classificationReport(['a'], ['z'], ['a', 'b'])).toThrow(/unknown class "z"/);
    expect(() => classificationReport(['a', 'b'], ['a'], ['a', 'b'])).toThrow(/as many predictions as labels/);
  });
});
