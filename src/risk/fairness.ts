import { accuracy, assertSameLength } from './metrics.js';

export interface FairnessOptions {
  predictions: readonly string[];
  labels: readonly string[];
  /** The sensitive attribute's value per row; null, undefined and '' form the group "(missing)". */
  groups: readonly unknown[];
  /** The class treated as positive; without it every class is treated one-vs-rest and the results averaged. */
  positiveClass?: string;
}

/** Rates of one group for one positive class. An empty denominator gives 0, as fairlearn (sklearn's normalised confusion matrix) does. */
export interface Rates {
  /** Share of the group's rows predicted positive. */
  selectionRate: number;
  /** True-positive rate (recall of the positive class). */
  tpr: number;
  /** False-positive rate. */
  fpr: number;
}

export interface GroupMetrics extends Rates {
  group: string;
  count: number;
  /** Accuracy on the original classes (not the binarised labels): what `minGroupAccuracy` bounds. */
  accuracy: number;
  /** One-vs-rest mode: the rates for each class as the positive one. */
  perClass?: Record<string, Rates>;
}

export interface Disparities {
  /** max − min selection rate across groups (fairlearn `demographic_parity_difference`, method 'between_groups'). */
  demographicParityDifference: number;
  /** The larger of the TPR gap and the FPR gap across groups (fairlearn `equalized_odds_difference`, 'between_groups'). */
  equalizedOddsDifference: number;
}

export interface FairnessReport extends Disparities {
  mode: 'binary' | 'one-vs-rest';
  positiveClass?: string;
  classes: string[];
  /** Sorted by group name. */
  groups: GroupMetrics[];
  /** One-vs-rest mode: the disparities with each class as the positive one. */
  perClass?: Record<string, Disparities>;
}

export const MISSING_GROUP = '(missing)';

function groupKey(value: unknown): string {
  return value === null || value === undefined || value === '' ? MISSING_GROUP : String(value);
}

function rates(predictions: readonly string[], labels: readonly string[], positive: string): Rates {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  labels.forEach((label, i) => {
    const p = predictions[i] === positive;
    const y = label === positive;
    if (p && y) tp++;
    else if (p) fp++;
    else if (y) fn++;
    else tn++;
  });
  const n = labels.length;
  return { selectionRate: n > 0 ? (tp + fp) / n : 0, tpr: tp + fn > 0 ? tp / (tp + fn) : 0, fpr: fp + tn > 0 ? fp / (fp + tn) : 0 };
}

function spread(values: number[]): number {
  return values.length === 0 ? 0 : Math.max(...values) - Math.min(...values);
}

function disparities(perGroup: Rates[]): Disparities {
  return {
    demographicParityDifference: spread(perGroup.map((r) => r.selectionRate)),
    equalizedOddsDifference: Math.max(spread(perGroup.map((r) => r.tpr)), spread(perGroup.map((r) => r.fpr))),
  };
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * Per-group metrics (count, accuracy, selection rate, TPR, FPR) and the demographic-parity and equalized-odds
 * differences across the groups of a sensitive attribute, with fairlearn's definitions (method 'between_groups').
 *
 * With `positiveClass` the problem is binary: that class is positive, every other class negative.
 * Without it (multiclass), every class seen in labels or predictions is made positive in turn (one-vs-rest): a group's
 * selection rate, TPR and FPR are the means over classes of its one-vs-rest rates (so its mean selection rate is always
 * 1/K — read `perClass` for the per-class rates), and the reported differences are the means over classes of the
 * one-vs-rest differences.
 * @example
 * const report = fairness({ predictions, labels, groups: rows.map((r) => r.island), positiveClass: 'Adelie' });
 * report.demographicParityDifference; // e.g. 0.42
 */
export function fairness(options: FairnessOptions): FairnessReport {
  const { predictions, labels, groups, positiveClass } = options;
  assertSameLength(predictions, labels);
  assertSameLength(groups, labels, 'groups and labels');
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = groupKey(g);
    const idx = byGroup.get(key);
    if (idx) idx.push(i);
    else byGroup.set(key, [i]);
  });
  const names = [...byGroup.keys()].sort();
  const slice = (name: string) => {
    const idx = byGroup.get(name)!;
    return { p: idx.map((i) => predictions[i]!), y: idx.map((i) => labels[i]!) };
  };
  const classes = positiveClass === undefined ? [...new Set([...labels, ...predictions])].sort() : [positiveClass];
  const ratesBy = new Map(names.map((name) => {
    const { p, y } = slice(name);
    return [name, Object.fromEntries(classes.map((c) => [c, rates(p, y, c)])) as Record<string, Rates>];
  }));
  const groupMetrics: GroupMetrics[] = names.map((name) => {
    const { p, y } = slice(name);
    const perClass = ratesBy.get(name)!;
    const all = Object.values(perClass);
    return {
      group: name,
      count: y.length,
      accuracy: accuracy(p, y),
      selectionRate: mean(all.map((r) => r.selectionRate)),
      tpr: mean(all.map((r) => r.tpr)),
      fpr: mean(all.map((r) => r.fpr)),
      ...(positiveClass === undefined ? { perClass } : {}),
    };
  });
  const perClass = Object.fromEntries(classes.map((c) => [c, disparities(names.map((n) => ratesBy.get(n)![c]!))])) as Record<string, Disparities>;
  const all = Object.values(perClass);
  return {
    mode: positiveClass === undefined ? 'one-vs-rest' : 'binary',
    ...(positiveClass === undefined ? {} : { positiveClass }),
    classes,
    groups: groupMetrics,
    demographicParityDifference: mean(all.map((d) => d.demographicParityDifference)),
    equalizedOddsDifference: mean(all.map((d) => d.equalizedOddsDifference)),
    ...(positiveClass === undefined ? { perClass } : {}),
  };
}
