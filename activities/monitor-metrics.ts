import type { MonitorSpec } from '../src/core/spec.js';
import { outputField } from '../src/dsl/ferry-config.js';
import { computeMetric, metricLabel, type MetricRule } from '../src/metrics/index.js';

/** One metric bound of a monitor, judged on one window's labelled predictions. */
export interface MetricVerdict {
  metric: string;
  /** What the rule reads as in a summary: `f1 (macro)`, `rmse`. */
  label: string;
  value: number;
  bound: { min: number } | { max: number };
  breached: boolean;
  /** A shadow rule: recorded, never acted on. */
  shadow: boolean;
  /** Why the metric could not be computed (labels or outputs of the wrong kind): recorded, never a breach. */
  error?: string;
}

/** The metric rules a monitor declares: `minMetric` and `maxMetric`. */
export function metricRules(spec: MonitorSpec): (MetricRule & { bound: { min: number } | { max: number }; shadow: boolean })[] {
  const rules = [];
  if (spec.minMetric) rules.push({ ...spec.minMetric, bound: { min: spec.minMetric.min }, shadow: spec.minMetric.shadow ?? false });
  if (spec.maxMetric) rules.push({ ...spec.maxMetric, bound: { max: spec.maxMetric.max }, shadow: spec.maxMetric.shadow ?? false });
  return rules;
}

/**
 * Judges one window: every rule's metric on its labelled predictions (`field` picks the predicted label or value from
 * an output, `spec.scoreField` the probabilities). A metric that cannot be computed (e.g. a text label under rmse) is
 * recorded with the reason and shown in the check's summary; it judges nothing rather than on the wrong numbers.
 */
export function judgeWindow(spec: MonitorSpec, rows: { outputs: unknown; label: unknown }[], field: string | undefined): MetricVerdict[] {
  const scored = rows.map((r) => ({ label: r.label, predicted: outputField(r.outputs, field), probabilities: spec.scoreField ? outputField(r.outputs, spec.scoreField) : undefined }));
  return metricRules(spec).map((rule) => {
    const base = { metric: rule.metric, label: metricLabel(rule), bound: rule.bound, shadow: rule.shadow };
    let value: number;
    try {
      value = computeMetric(rule, scored);
    } catch (err) {
      return { ...base, value: NaN, breached: false, error: (err as Error).message };
    }
    const breached = 'min' in rule.bound ? !(value >= rule.bound.min) : !(value <= rule.bound.max);
    return { ...base, value, breached };
  });
}

/** Exact-match accuracy, shown beside the rules' metrics for people; undefined when outputs are not labels. */
export function exactAccuracy(rows: { outputs: unknown; label: unknown }[], field: string | undefined): number | undefined {
  try {
    return computeMetric({ metric: 'accuracy' }, rows.map((r) => ({ label: r.label, predicted: outputField(r.outputs, field) })));
  } catch {
    return undefined;
  }
}

/** `f1 (macro) 0.612 on 40 label(s) of v2 (min 0.8)`, with `[shadow]` for a rule that only records. */
export function verdictText(v: MetricVerdict, on: string): string {
  if (v.error) return `${v.label} not computed ${on}: ${v.error}`;
  const bound = 'min' in v.bound ? `min ${v.bound.min}` : `max ${v.bound.max}`;
  return `${v.shadow ? '[shadow] ' : ''}${v.label} ${v.value.toFixed(3)} ${on} (${bound})`;
}
