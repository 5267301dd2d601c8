import { UsageError } from '../core/errors.js';
import { riskCheckName, riskCheckSchema, type RiskCheck, type RiskCheckInput } from '../core/risk.js';
import { calibration, type CalibrationReport } from './calibration.js';
import { calibrationResults, fairnessResults, importanceResults, robustnessResults, type RiskCheckResult } from './check-results.js';
import { fairness, type FairnessReport } from './fairness.js';
import { permutationImportance, type ImportanceReport } from './importance.js';
import { robustness, type RobustnessReport } from './robustness.js';
import type { PredictClasses, PredictProba, Row } from './types.js';

export interface RiskContext {
  predict: PredictClasses;
  predictProba?: PredictProba;
  /** Held-out rows (with the sensitive attributes, even when they are not model inputs). */
  rows: readonly Row[];
  labels: readonly string[];
  /** The model's input features: what importance permutes. */
  features: readonly string[];
  /** The pipeline's seed: the default of checks that declare none. */
  seed: number;
}

/** Everything the checks computed, for the registry and the model card. */
export interface RiskReports {
  importance?: ImportanceReport;
  fairness: (FairnessReport & { attribute: string })[];
  robustness: (RobustnessReport & { maxFlipRate: number })[];
  calibration?: CalibrationReport;
}

export interface RiskEvaluation {
  /** True when every result passed. */
  passed: boolean;
  results: RiskCheckResult[];
  reports: RiskReports;
}

/**
 * Runs a pipeline's `evaluate.checks` against a classifier on held-out rows and returns one result per bound (a failed
 * one names the check, the group or feature, the value and the bound) plus the full reports for the model card.
 * Checks are validated with `riskCheckSchema` first, so declared defaults apply.
 * @example
 * const { passed, results } = await evaluateRiskChecks([risk.fairness({ attribute: 'island', minGroupAccuracy: 0.8 })],
 *   { predict, rows, labels, features, seed: 0 });
 */
export async function evaluateRiskChecks(checks: readonly (RiskCheck | RiskCheckInput)[], ctx: RiskContext): Promise<RiskEvaluation> {
  const parsed = checks.map((c, i) => {
    const r = riskCheckSchema.safeParse(c);
    if (!r.success) throw new UsageError(`evaluate.checks[${i}]: ${r.error.issues.map((x) => `${x.path.join('.') || 'check'}: ${x.message}`).join('; ')}`);
    return r.data;
  });
  if (ctx.rows.length !== ctx.labels.length) throw new UsageError(`risk checks: ${ctx.rows.length} rows but ${ctx.labels.length} labels; pass one label per row`);
  const rows = [...ctx.rows];
  const predictions = parsed.some((c) => c.kind === 'fairness' || c.kind === 'calibration') ? await ctx.predict(rows) : [];
  const results: RiskCheckResult[] = [];
  const reports: RiskReports = { fairness: [], robustness: [] };
  for (const check of parsed) {
    switch (check.kind) {
      case 'importance': {
        const report = await permutationImportance({ predict: ctx.predict, rows, labels: ctx.labels, features: ctx.features, metric: check.metric, repeats: check.repeats, seed: check.seed ?? ctx.seed });
        reports.importance = report;
        results.push(...importanceResults(check, report));
        break;
      }
      case 'fairness': {
        const missing = rows.every((r) => !(check.attribute in r));
        if (missing) {
          results.push({ check: riskCheckName(check), passed: false, message: `${riskCheckName(check)}: the evaluation rows have no column "${check.attribute}"; add it to the held-out data or fix the attribute name` });
          break;
        }
        const groups = rows.map((r) => r[check.attribute]);
        const report = fairness({ predictions, labels: ctx.labels, groups, ...(check.positiveClass === undefined ? {} : { positiveClass: check.positiveClass }) });
        reports.fairness.push({ attribute: check.attribute, ...report });
        results.push(...fairnessResults(check, report));
        break;
      }
      case 'robustness': {
        const report = await robustness({ predict: ctx.predict, rows, perturbations: check.perturbations, seed: check.seed ?? ctx.seed });
        reports.robustness.push({ ...report, maxFlipRate: check.maxFlipRate });
        results.push(...robustnessResults(check, report));
        break;
      }
      case 'calibration': {
        if (!ctx.predictProba) {
          results.push({ check: 'calibration', passed: false, message: 'calibration: the model gives no probabilities; give its predictor a predictProba or remove the calibration check' });
          break;
        }
        const report = calibration({ probabilities: await ctx.predictProba(rows), labels: ctx.labels, predictions, bins: check.bins });
        reports.calibration = report;
        results.push(...calibrationResults(check, report));
        break;
      }
    }
  }
  return { passed: results.every((r) => r.passed), results, reports };
}
