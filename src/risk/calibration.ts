import { UsageError } from '../core/errors.js';
import { assertSameLength } from './metrics.js';

export interface CalibrationOptions {
  /** Per row, the probability of the predicted class, or a probability per class. */
  probabilities: readonly number[] | readonly Record<string, number>[];
  labels: readonly string[];
  predictions: readonly string[];
  /** Equal-width confidence bins on [0, 1]; default 10. */
  bins?: number;
}

export interface ReliabilityBin {
  bin: number;
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the rows in the bin; null when it is empty. */
  meanConfidence: number | null;
  /** Share of correct predictions in the bin; null when it is empty. */
  accuracy: number | null;
}

export interface CalibrationReport {
  bins: number;
  /** Expected calibration error: Σ (count / n) × |accuracy − mean confidence| over the bins. */
  ece: number;
  table: ReliabilityBin[];
}

/** Bin edges as numpy's linspace(0, 1, bins + 1) computes them (i × (1 / bins), last edge exactly 1). */
function edges(bins: number): number[] {
  const step = 1 / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? 1 : i * step));
}

function confidenceOf(p: number | Record<string, number>, predicted: string, row: number): number {
  const c = typeof p === 'number' ? p : p[predicted];
  if (c === undefined || !Number.isFinite(c) || c < 0 || c > 1) {
    throw new UsageError(`calibration: row ${row} has no probability in [0, 1] for its predicted class "${predicted}" (got ${String(c)})`);
  }
  return c;
}

/**
 * Expected calibration error and reliability table (Guo et al. 2017) with equal-width bins (lo, hi]; a confidence of 0
 * falls in the first bin, one on an edge in the lower bin (as numpy's searchsorted bins sklearn's calibration_curve).
 * The confidence of a row is the probability of its predicted class. Default: 10 bins.
 * @example calibration({ probabilities: [0.9, 0.6], predictions: ['a', 'b'], labels: ['a', 'a'] }).ece // 0.35
 */
export function calibration(options: CalibrationOptions): CalibrationReport {
  const { probabilities, labels, predictions } = options;
  const bins = options.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1) throw new UsageError(`calibration: bins must be an integer ≥ 1 (got ${bins})`);
  assertSameLength(predictions, labels);
  assertSameLength(probabilities, labels, 'probabilities and labels');
  const e = edges(bins);
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    const c = confidenceOf(p, predictions[i]!, i);
    let b = 0;
    while (b < bins - 1 && c > e[b + 1]!) b++;
    count[b]!++;
    confSum[b]! += c;
    if (predictions[i] === labels[i]) hits[b]!++;
  });
  const n = labels.length;
  let ece = 0;
  const table: ReliabilityBin[] = count.map((k, b) => {
    if (k === 0) return { bin: b, lower: e[b]!, upper: e[b + 1]!, count: 0, meanConfidence: null, accuracy: null };
    const meanConfidence = confSum[b]! / k;
    const acc = hits[b]! / k;
    ece += (k / n) * Math.abs(acc - meanConfidence);
    return { bin: b, lower: e[b]!, upper: e[b + 1]!, count: k, meanConfidence, accuracy: acc };
  });
  return { bins, ece, table };
}
