/**
 * Classification metrics with scikit-learn's definitions (sklearn.metrics, 1.7): classes are the union of the true and
 * the predicted labels; a score whose denominator is zero is 0 (`zero_division=0`); macro averages over those classes,
 * weighted by each class's true count. Labels are compared as strings, so an output `1` matches a label `"1"`.
 * test/metrics/sklearn.test.ts checks every function against values scikit-learn computed (scripts/metrics-fixture.py).
 */

export type Label = string | number | boolean;
export type Average = 'macro' | 'weighted' | 'binary';

const key = (label: Label): string => String(label);

function counts(truth: readonly Label[], predicted: readonly Label[]) {
  if (truth.length !== predicted.length) throw new Error(`metrics: ${truth.length} label(s) but ${predicted.length} prediction(s)`);
  const classes = [...new Set([...truth.map(key), ...predicted.map(key)])].sort();
  const per = new Map(classes.map((c) => [c, { tp: 0, fp: 0, fn: 0, support: 0 }]));
  truth.forEach((t, i) => {
    const a = key(t);
    const p = key(predicted[i]!);
    per.get(a)!.support += 1;
    if (a === p) per.get(a)!.tp += 1;
    else {
      per.get(p)!.fp += 1;
      per.get(a)!.fn += 1;
    }
  });
  return { classes, per };
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

export function accuracy(truth: readonly Label[], predicted: readonly Label[]): number {
  if (truth.length !== predicted.length) throw new Error(`metrics: ${truth.length} label(s) but ${predicted.length} prediction(s)`);
  if (truth.length === 0) return NaN;
  return truth.filter((t, i) => key(t) === key(predicted[i]!)).length / truth.length;
}

type Cell = { tp: number; fp: number; fn: number; support: number };
const SCORES = {
  precision: (c: Cell) => ratio(c.tp, c.tp + c.fp),
  recall: (c: Cell) => ratio(c.tp, c.tp + c.fn),
  f1: (c: Cell) => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
};

/** Precision, recall or F1: of one class (`positive`, sklearn's `pos_label` / `average=None`), or macro/weighted. */
export function classScore(name: keyof typeof SCORES, truth: readonly Label[], predicted: readonly Label[], options: { average?: Average; positive?: Label } = {}): number {
  const { classes, per } = counts(truth, predicted);
  if (truth.length === 0) return NaN;
  const score = SCORES[name];
  if (options.positive !== undefined) {
    const cell = per.get(key(options.positive)) ?? { tp: 0, fp: 0, fn: 0, support: 0 };
    return score(cell);
  }
  if (options.average === 'binary') throw new Error(`metrics: average 'binary' needs the positive class`);
  const cells = classes.map((c) => per.get(c)!);
  if (options.average === 'weighted') {
    const total = cells.reduce((s, c) => s + c.support, 0);
    return cells.reduce((s, c) => s + score(c) * c.support, 0) / total;
  }
  return cells.reduce((s, c) => s + score(c), 0) / cells.length;
}

/** Area under the ROC curve of scores for `positive` vs the rest (ties count half, as sklearn's trapezoids do). */
export function binaryRocAuc(isPositive: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  const pos = isPositive.filter(Boolean).length;
  const neg = isPositive.length - pos;
  if (pos === 0 || neg === 0) throw new Error('metrics: ROC AUC needs both classes among the labels');
  const rankSum = isPositive.reduce((s, p, i) => (p ? s + ranks[i]! : s), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Probabilities of one prediction: of the positive class (a number), or of every class (an object). */
export type Probabilities = number | Readonly<Record<string, number>>;

function probabilityOf(p: Probabilities, cls: string, positive: string | undefined): number {
  if (typeof p === 'number') {
    if (positive === undefined) throw new Error('metrics: a single probability per prediction needs the positive class (class: …)');
    return cls === positive ? p : 1 - p;
  }
  return p[cls] ?? 0;
}

/** ROC AUC: binary for `positive`, else one-vs-rest macro over the classes of the labels (sklearn `multi_class='ovr'`). */
export function rocAuc(truth: readonly Label[], probabilities: readonly Probabilities[], options: { positive?: Label; average?: Average } = {}): number {
  const positive = options.positive === undefined ? undefined : key(options.positive);
  const classes = [...new Set(truth.map(key))].sort();
  if (positive !== undefined) return binaryRocAuc(truth.map((t) => key(t) === positive), probabilities.map((p) => probabilityOf(p, positive, positive)));
  if (classes.length === 2 && probabilities.every((p) => typeof p === 'object')) {
    // sklearn's binary case: the score of the greater label.
    const [, pos] = classes as [string, string];
    return binaryRocAuc(truth.map((t) => key(t) === pos), probabilities.map((p) => probabilityOf(p, pos, undefined)));
  }
  const per = classes.map((c) => ({ auc: binaryRocAuc(truth.map((t) => key(t) === c), probabilities.map((p) => probabilityOf(p, c, undefined))), support: truth.filter((t) => key(t) === c).length }));
  if (options.average === 'weighted') return per.reduce((s, c) => s + c.auc * c.support, 0) / truth.length;
  return per.reduce((s, c) => s + c.auc, 0) / per.length;
}

const EPS = 2.220446049250313e-16;

/** Mean negative log-likelihood of the true class, probabilities clipped to [eps, 1 − eps] (float64 eps, as sklearn). */
export function logLoss(truth: readonly Label[], probabilities: readonly Probabilities[], options: { positive?: Label } = {}): number {
  if (truth.length !== probabilities.length) throw new Error(`metrics: ${truth.length} label(s) but ${probabilities.length} probability row(s)`);
  const positive = options.positive === undefined ? undefined : key(options.positive);
  const sum = truth.reduce<number>((s, t, i) => s - Math.log(Math.min(1 - EPS, Math.max(EPS, probabilityOf(probabilities[i]!, key(t), positive)))), 0);
  return sum / truth.length;
}
