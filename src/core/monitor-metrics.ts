import { z } from 'zod';

/**
 * The metrics a monitor's delayed-label check can compute (src/metrics), with scikit-learn's definitions, and which way
 * is better. Lives in core because the pipeline spec validates a monitor's rules at submission.
 */
export const MONITOR_METRICS = {
  accuracy: { kind: 'classifier', better: 'higher', probabilities: false },
  precision: { kind: 'classifier', better: 'higher', probabilities: false },
  recall: { kind: 'classifier', better: 'higher', probabilities: false },
  f1: { kind: 'classifier', better: 'higher', probabilities: false },
  roc_auc: { kind: 'classifier', better: 'higher', probabilities: true },
  log_loss: { kind: 'classifier', better: 'lower', probabilities: true },
  mae: { kind: 'regressor', better: 'lower', probabilities: false },
  rmse: { kind: 'regressor', better: 'lower', probabilities: false },
  r2: { kind: 'regressor', better: 'higher', probabilities: false },
} as const;

export type MonitorMetricName = keyof typeof MONITOR_METRICS;
export const monitorMetricNames = Object.keys(MONITOR_METRICS) as MonitorMetricName[];

/** Metrics an estimate (CBPE) exists for: computed from calibrated probabilities before labels arrive. */
export const ESTIMATED_METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;
export type EstimatedMetricName = (typeof ESTIMATED_METRICS)[number];

const classLabel = z.union([z.string().min(1), z.number()]);

/** How precision/recall/F1 (and ROC AUC) average over classes; `class` picks one class (sklearn's `pos_label`). */
export const metricOptions = {
  /** macro (default), weighted, or binary (with `class`, the positive class). */
  average: z.enum(['macro', 'weighted', 'binary']).optional(),
  /** The one class to score (per-class precision/recall/F1, the positive class of ROC AUC and log loss). */
  class: classLabel.optional(),
  /** Evaluated and recorded on every check, never acting (calibrate a threshold on live data first). */
  shadow: z.boolean().optional(),
};

export const metricName = z.enum(monitorMetricNames as [MonitorMetricName, ...MonitorMetricName[]], {
  error: (issue) => `unknown metric ${JSON.stringify(issue.input)}; expected one of ${monitorMetricNames.join(', ')}`,
});

export const estimatedMetricName = z.enum(ESTIMATED_METRICS, {
  error: (issue) => `no estimate for metric ${JSON.stringify(issue.input)}; expected one of ${ESTIMATED_METRICS.join(', ')}`,
});

/** `estimatedMetric: { metric: 'f1', min: 0.8, class: 'yes' }`: a bound on CBPE's estimate; `class` is the positive class. */
export const estimatedMetricSchema = z.strictObject({
  metric: estimatedMetricName,
  min: z.number().min(0).max(1, 'expected a number ≤ 1: estimates are shares'),
  /** The positive class (CBPE here is binary): predictions of it are positives, `scoreField` holds its probability. */
  class: z.union([z.string().min(1), z.number()], { error: "expected the positive class, e.g. class: 'yes'" }),
  /** Evaluated and recorded on every check, never acting. */
  shadow: z.boolean().optional(),
});

/** Problems with a metric rule that zod's shape cannot say: direction, and options that need each other. */
export function metricRuleProblems(rule: { metric: MonitorMetricName; average?: string; class?: unknown }, bound: 'min' | 'max'): string[] {
  const info = MONITOR_METRICS[rule.metric];
  const problems: string[] = [];
  if (bound === 'min' && info.better === 'lower') problems.push(`${rule.metric} is better when lower: write maxMetric: { metric: '${rule.metric}', max: … } instead of minMetric`);
  if (bound === 'max' && info.better === 'higher') problems.push(`${rule.metric} is better when higher: write minMetric: { metric: '${rule.metric}', min: … } instead of maxMetric`);
  if (rule.average === 'binary' && rule.class === undefined) problems.push(`average: 'binary' needs class: the positive class, e.g. class: 'yes'`);
  if (info.kind === 'regressor' && (rule.average !== undefined || rule.class !== undefined)) problems.push(`${rule.metric} is a regression metric: it takes no average or class`);
  return problems;
}
