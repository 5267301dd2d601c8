import { UsageError } from '../core/errors.js';
import type { ScoreMetric } from './types.js';

/** Share of predictions equal to the label (sklearn `accuracy_score`). */
export function accuracy(predictions: readonly string[], labels: readonly string[]): number {
  assertSameLength(predictions, labels);
  if (labels.length === 0) return 0;
  let hits = 0;
  labels.forEach((label, i) => {
    if (predictions[i] === label) hits++;
  });
  return hits / labels.length;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose label is this class. */
  support: number;
}

/**
 * Precision, recall, F1 and support per class, over the classes seen in labels or predictions (sorted).
 * A ratio with an empty denominator is 0, as sklearn's `zero_division` default gives.
 */
export function perClassMetrics(predictions: readonly string[], labels: readonly string[]): Record<string, ClassMetrics> {
  assertSameLength(predictions, labels);
  const classes = [...new Set([...labels, ...predictions])].sort();
  const out: Record<string, ClassMetrics> = {};
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    labels.forEach((label, i) => {
      const p = predictions[i];
      if (p === c && label === c) tp++;
      else if (p === c) fp++;
      else if (label === c) fn++;
    });
    out[c] = {
      precision: tp + fp > 0 ? tp / (tp + fp) : 0,
      recall: tp + fn > 0 ? tp / (tp + fn) : 0,
      f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
      support: tp + fn,
    };
  }
  return out;
}

/** Unweighted mean of the per-class F1 (sklearn `f1_score(average='macro')`). */
export function macroF1(predictions: readonly string[], labels: readonly string[]): number {
  const per = Object.values(perClassMetrics(predictions, labels));
  return per.length === 0 ? 0 : per.reduce((s, m) => s + m.f1, 0) / per.length;
}

/** The score named by `metric`: higher is better for both. */
export function score(metric: ScoreMetric, predictions: readonly string[], labels: readonly string[]): number {
  return metric === 'accuracy' ? accuracy(predictions, labels) : macroF1(predictions, labels);
}

/** Mean and population standard deviation (ddof = 0, as numpy's `np.std`). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

export function assertSameLength(a: readonly unknown[], b: readonly unknown[], what = 'predictions and labels'): void {
  if (a.length !== b.length) throw new UsageError(`${what} differ in length (${a.length} vs ${b.length}); pass one value per row`);
}
