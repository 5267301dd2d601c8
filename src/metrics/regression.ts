/** Regression metrics with scikit-learn's definitions (sklearn.metrics, 1.7); checked in test/metrics/sklearn.test.ts. */

function pairs(truth: readonly number[], predicted: readonly number[]): void {
  if (truth.length !== predicted.length) throw new Error(`metrics: ${truth.length} label(s) but ${predicted.length} prediction(s)`);
}

export function meanAbsoluteError(truth: readonly number[], predicted: readonly number[]): number {
  pairs(truth, predicted);
  return truth.reduce((s, t, i) => s + Math.abs(t - predicted[i]!), 0) / truth.length;
}

export function rootMeanSquaredError(truth: readonly number[], predicted: readonly number[]): number {
  pairs(truth, predicted);
  return Math.sqrt(truth.reduce((s, t, i) => s + (t - predicted[i]!) ** 2, 0) / truth.length);
}

/** R²: 1 − SS_res / SS_tot; a constant truth scores 1 when predicted exactly, else 0 (sklearn's `force_finite`). */
export function r2Score(truth: readonly number[], predicted: readonly number[]): number {
  pairs(truth, predicted);
  const mean = truth.reduce((s, t) => s + t, 0) / truth.length;
  const res = truth.reduce((s, t, i) => s + (t - predicted[i]!) ** 2, 0);
  const tot = truth.reduce((s, t) => s + (t - mean) ** 2, 0);
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}
