/**
 * Performance before labels arrive: confidence-based performance estimation (CBPE), as NannyML 0.13 does it for a
 * binary classifier. Scores are calibrated on a labelled reference with isotonic regression (scikit-learn's
 * `IsotonicRegression(out_of_bounds='clip')`), and a window's expected confusion matrix is read off the calibrated
 * probabilities: a positive prediction with probability p is p of a true positive and 1 − p of a false positive, a
 * negative one p of a false negative and 1 − p of a true negative. Unlike NannyML, which calibrates only when
 * cross-validation says it lowers the calibration error, Ferry always calibrates (identical on miscalibrated scores,
 * a no-op in expectation on calibrated ones). test/metrics/cbpe.test.ts matches NannyML on scripts/make-cbpe-fixture.py.
 */

/** Isotonic regression of `y` on `x` (pool-adjacent-violators), predicting by linear interpolation, clipped at the ends. */
export function fitIsotonic(x: readonly number[], y: readonly number[]): (value: number) => number {
  const order = x.map((v, i) => i).sort((a, b) => x[a]! - x[b]!);
  // Duplicate x values become one point: their mean y, weighted by their count (sklearn's `_make_unique`).
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (const i of order) {
    const last = xs.length - 1;
    if (last >= 0 && xs[last] === x[i]) {
      ys[last] = (ys[last]! * ws[last]! + y[i]!) / (ws[last]! + 1);
      ws[last]! += 1;
    } else {
      xs.push(x[i]!);
      ys.push(y[i]!);
      ws.push(1);
    }
  }
  // Pool adjacent violators: blocks of (mean, weight, count).
  const blocks: { mean: number; weight: number; count: number }[] = [];
  ys.forEach((v, i) => {
    blocks.push({ mean: v, weight: ws[i]!, count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.mean > blocks[blocks.length - 1]!.mean) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1]!;
      a.mean = (a.mean * a.weight + b.mean * b.weight) / (a.weight + b.weight);
      a.weight += b.weight;
      a.count += b.count;
    }
  });
  const fitted = blocks.flatMap((b) => Array<number>(b.count).fill(b.mean));
  return (value) => {
    if (value <= xs[0]!) return fitted[0]!;
    if (value >= xs[xs.length - 1]!) return fitted[fitted.length - 1]!;
    let lo = 0;
    let hi = xs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! <= value) lo = mid;
      else hi = mid;
    }
    const t = (value - xs[lo]!) / (xs[hi]! - xs[lo]!);
    return fitted[lo]! + t * (fitted[hi]! - fitted[lo]!);
  };
}

export interface EstimatedPerformance {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Predictions the estimate is over. */
  n: number;
}

/** A calibrator fitted on the reference: true labels (1/0 or true/false) and the scores the model gave them. */
export function calibrator(referenceTruth: readonly (number | boolean)[], referenceScores: readonly number[]): (score: number) => number {
  if (referenceTruth.length !== referenceScores.length || referenceTruth.length === 0) throw new Error('cbpe: the reference needs one score per label, and at least one');
  return fitIsotonic(referenceScores, referenceTruth.map((t) => (t === true || t === 1 ? 1 : 0)));
}

/** CBPE's estimate for a window: `predicted` positive or not, `scores` the model's (uncalibrated) positive-class scores. */
export function estimatePerformance(calibrate: (score: number) => number, predicted: readonly boolean[], scores: readonly number[]): EstimatedPerformance {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  scores.forEach((s, i) => {
    const p = calibrate(s);
    if (predicted[i]) {
      tp += p;
      fp += 1 - p;
    } else {
      fn += p;
      tn += 1 - p;
    }
  });
  const n = scores.length;
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return { accuracy: ratio(tp + tn, n), precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(tp, tp + 0.5 * (fp + fn)), n };
}
