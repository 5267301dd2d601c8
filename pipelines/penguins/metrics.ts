/** Classification metrics on a held-out set, as scikit-learn defines them (a class never predicted has precision 0). */

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Rows of this class in the evaluated set. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  /** Unweighted mean of the per-class F1 scores. */
  macroF1: number;
  perClass: Record<string, ClassScores>;
  /** `matrix[i][j]`: rows of class `classes[i]` predicted as `classes[j]`. */
  confusion: { classes: string[]; matrix: number[][] };
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix of predictions against true labels. */
export function classificationReport(actual: readonly string[], predicted: readonly string[], classes: readonly string[]): ClassificationReport {
  if (actual.length !== predicted.length) throw new Error(`expected as many predictions as labels, got ${predicted.length} for ${actual.length}`);
  if (actual.length === 0) throw new Error('cannot score an empty set');
  const index = (label: string) => {
    const i = classes.indexOf(label);
    if (i < 0) throw new Error(`unknown class "${label}"; expected one of ${classes.join(', ')}`);
    return i;
  };
  const matrix = classes.map(() => new Array<number>(classes.length).fill(0));
  actual.forEach((label, n) => {
    matrix[index(label)]![index(predicted[n]!)]! += 1;
  });
  const perClass: Record<string, ClassScores> = {};
  classes.forEach((name, i) => {
    const tp = matrix[i]![i]!;
    const support = matrix[i]!.reduce((s, v) => s + v, 0);
    const predictedAs = matrix.reduce((s, row) => s + row[i]!, 0);
    const precision = ratio(tp, predictedAs);
    const recall = ratio(tp, support);
    perClass[name] = { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const correct = classes.reduce((s, _, i) => s + matrix[i]![i]!, 0);
  const macroF1 = Object.values(perClass).reduce((s, c) => s + c.f1, 0) / classes.length;
  return { accuracy: correct / actual.length, macroF1, perClass, confusion: { classes: [...classes], matrix } };
}

/** Metric name of a class: lower case, e.g. `f1_adelie`. */
const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/**
 * The report as flat metrics for gates and the registry: `accuracy`, `macroF1`, `f1_<class>`, and with `detail`
 * also `precision_<class>` and `recall_<class>`.
 */
export function flatMetrics(report: ClassificationReport, detail = false): Record<string, number> {
  const metrics: Record<string, number> = { accuracy: report.accuracy, macroF1: report.macroF1 };
  for (const [name, scores] of Object.entries(report.perClass)) {
    metrics[`f1_${slug(name)}`] = scores.f1;
    if (detail) {
      metrics[`precision_${slug(name)}`] = scores.precision;
      metrics[`recall_${slug(name)}`] = scores.recall;
    }
  }
  return metrics;
}
