/**
 * The monitor's metrics: one entry point, `computeMetric`, that scores labelled predictions with the metric a rule
 * names (src/core/monitor-metrics.ts lists them), and `estimatePerformance` (CBPE, ./cbpe.ts) for before labels arrive.
 */
import { MONITOR_METRICS, type MonitorMetricName } from '../core/monitor-metrics.js';
import { accuracy, classScore, logLoss, rocAuc, type Average, type Label, type Probabilities } from './classification.js';
import { meanAbsoluteError, r2Score, rootMeanSquaredError } from './regression.js';

export { accuracy, binaryRocAuc, classScore, logLoss, rocAuc, type Average, type Label, type Probabilities } from './classification.js';
export { meanAbsoluteError, r2Score, rootMeanSquaredError } from './regression.js';

export interface MetricRule {
  metric: MonitorMetricName;
  average?: Average;
  class?: string | number;
}

/** One labelled prediction: the true label, the predicted label (or value) and, for ROC AUC / log loss, the probabilities. */
export interface Scored {
  label: unknown;
  predicted: unknown;
  probabilities?: unknown;
}

function asLabel(value: unknown, what: string): Label {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`metrics: ${what} ${JSON.stringify(value)} is not a class label (string, number or boolean)`);
}

function asNumber(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new Error(`metrics: ${what} ${JSON.stringify(value)} is not a number; a regression metric needs numeric labels and outputs`);
  return n;
}

function asProbabilities(value: unknown): Probabilities {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'number')) return value as Record<string, number>;
  throw new Error(`metrics: probabilities ${JSON.stringify(value)} are neither a number nor an object of class → probability; set the monitor's scoreField to the output field that holds them`);
}

/** The value of `rule.metric` on labelled predictions (NaN when there are none). */
export function computeMetric(rule: MetricRule, rows: readonly Scored[]): number {
  if (rows.length === 0) return NaN;
  const info = MONITOR_METRICS[rule.metric];
  if (info.kind === 'regressor') {
    const truth = rows.map((r) => asNumber(r.label, 'label'));
    const predicted = rows.map((r) => asNumber(r.predicted, 'output'));
    if (rule.metric === 'mae') return meanAbsoluteError(truth, predicted);
    if (rule.metric === 'rmse') return rootMeanSquaredError(truth, predicted);
    return r2Score(truth, predicted);
  }
  const truth = rows.map((r) => asLabel(r.label, 'label'));
  if (info.probabilities) {
    const probabilities = rows.map((r) => asProbabilities(r.probabilities));
    if (rule.metric === 'roc_auc') return rocAuc(truth, probabilities, { positive: rule.class, average: rule.average });
    return logLoss(truth, probabilities, { positive: rule.class });
  }
  const predicted = rows.map((r) => asLabel(r.predicted, 'output'));
  if (rule.metric === 'accuracy') return accuracy(truth, predicted);
  return classScore(rule.metric as 'precision' | 'recall' | 'f1', truth, predicted, { average: rule.average, positive: rule.class });
}

/** How a rule reads in a summary: `f1 (macro)`, `recall of "yes"`, `rmse`. */
export function metricLabel(rule: MetricRule): string {
  if (rule.class !== undefined) return `${rule.metric} of ${JSON.stringify(rule.class)}`;
  if (MONITOR_METRICS[rule.metric].kind === 'classifier' && rule.metric !== 'accuracy' && rule.metric !== 'log_loss') return `${rule.metric} (${rule.average ?? 'macro'})`;
  return rule.metric;
}
export { calibrator, estimatePerformance, fitIsotonic, type EstimatedPerformance } from './cbpe.js';
