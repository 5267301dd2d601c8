import { and, desc, eq, gt, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { feedback, predictions } from '../src/db/schema/index.js';
import type { MonitorSpec } from '../src/core/spec.js';
import { outputField } from '../src/dsl/ferry-config.js';
import { calibrator, estimatePerformance, type EstimatedPerformance } from '../src/metrics/index.js';
import { verdictText, type MetricVerdict } from './monitor-metrics.js';

type EstimatedRule = NonNullable<MonitorSpec['estimatedMetric']>;

/** CBPE's verdict on one window, before its labels arrive: the rule's estimate, and what it was calibrated on. */
export interface EstimateVerdict extends MetricVerdict {
  /** Predictions the estimate is over. */
  n: number;
  /** Labelled predictions of the same version, logged before the window, the calibration was fitted on. */
  calibratedOn: number;
  /** All four estimates (accuracy, precision, recall, F1), when computed. */
  estimate?: EstimatedPerformance;
}

/** At most this many of the newest labelled predictions calibrate an estimate: recent enough, bounded work per check. */
export const CALIBRATION_ROWS = 5000;

const sameLabel = (value: unknown, cls: string | number) => value === cls || (value !== null && value !== undefined && String(value) === String(cls));

/** The probability of the positive class in one output: a number is it; an object of class → probability holds it. */
function positiveScore(outputs: unknown, scoreField: string, cls: string | number): number {
  const value = outputField(outputs, scoreField);
  const score = typeof value === 'number' ? value : value && typeof value === 'object' ? (value as Record<string, unknown>)[String(cls)] : undefined;
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new Error(`output field ${scoreField} is ${JSON.stringify(value)}: expected the probability of ${JSON.stringify(cls)} (a number, or an object of class → probability)`);
  }
  return score;
}

/** `estimated f1 of "yes"`: how an estimate rule reads in a summary and in `ferry monitor history`. */
export const estimateLabel = (rule: EstimatedRule) => `estimated ${rule.metric} of ${JSON.stringify(rule.class)}`;

/**
 * CBPE on one window: calibrate the positive-class scores on `reference` (labelled predictions of the same version),
 * then read the window's expected confusion matrix off its calibrated scores. Too small a reference (fewer than
 * `minReference` rows, or one class only) or outputs of the wrong shape give a verdict with the reason, never a breach.
 */
export function estimateWindow(
  rule: EstimatedRule,
  reference: readonly { outputs: unknown; label: unknown }[],
  window: readonly { outputs: unknown }[],
  fields: { prediction: string | undefined; score: string },
  minReference: number,
): EstimateVerdict {
  const base = { metric: rule.metric, label: estimateLabel(rule), bound: { min: rule.min }, shadow: rule.shadow ?? false, n: window.length, calibratedOn: reference.length };
  try {
    const truth = reference.map((r) => sameLabel(r.label, rule.class));
    if (reference.length < minReference || truth.every((t) => t) || !truth.some((t) => t)) {
      throw new Error(`${reference.length} labelled prediction(s) of this version before the window to calibrate on; needs ${minReference} (the monitor's minRows) with both classes`);
    }
    const calibrate = calibrator(truth, reference.map((r) => positiveScore(r.outputs, fields.score, rule.class)));
    const predicted = window.map((r) => sameLabel(outputField(r.outputs, fields.prediction), rule.class));
    const estimate = estimatePerformance(calibrate, predicted, window.map((r) => positiveScore(r.outputs, fields.score, rule.class)));
    const value = estimate[rule.metric];
    return { ...base, value, breached: !(value >= rule.min), estimate };
  } catch (err) {
    return { ...base, value: NaN, breached: false, error: (err as Error).message };
  }
}

/** The rows an estimate needs from the prediction log: the window's outputs, and the labelled ones before it. */
export async function estimateRows(db: Db, w: { model: string; env: string; version: number; afterId: number; toId: number }) {
  const scope = and(eq(predictions.model, w.model), eq(predictions.env, w.env), eq(predictions.version, w.version), isNull(predictions.error));
  const window = await db.select({ outputs: predictions.outputs }).from(predictions).where(and(scope, gt(predictions.id, w.afterId), lte(predictions.id, w.toId)));
  const reference = await db
    .select({ outputs: predictions.outputs, label: feedback.label })
    .from(predictions)
    .innerJoin(feedback, eq(feedback.requestId, predictions.requestId))
    .where(and(scope, lte(predictions.id, w.afterId), isNotNull(feedback.label)))
    .orderBy(desc(predictions.id))
    .limit(CALIBRATION_ROWS);
  return { window, reference };
}

/** `estimated f1 of "yes" 0.712 over 120 prediction(s), calibrated on 400 label(s) (min 0.8)`: a verdict's summary line. */
export const estimateText = (v: EstimateVerdict) => verdictText(v, `over ${v.n} prediction(s), calibrated on ${v.calibratedOn} label(s)`);
