import { z } from 'zod';

/**
 * Model risk checks as they appear in a pipeline's `evaluate.checks`: plain, serialisable descriptors. The computations
 * live in src/risk (run by the evaluation activity with `evaluateRiskChecks`); this file only describes them, so it is
 * safe for workflow code (zod only, no Node APIs).
 */

const fraction = z.number().min(0, 'expected a number ≥ 0').max(1, 'expected a number ≤ 1');
const features = z.array(z.string().min(1, 'expected a feature name')).min(1, 'expected at least one feature name');
const seed = z.number().int().min(0, 'expected an integer seed ≥ 0');

export const perturbationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('noise'),
    features,
    /** Noise standard deviation as a fraction of the feature's standard deviation. */
    scale: z.number().gt(0, 'expected a scale > 0 (a fraction of the feature\'s standard deviation)').max(10, 'expected a scale ≤ 10').default(0.1),
  }),
  z.strictObject({ kind: z.literal('missing'), features }),
  z.strictObject({ kind: z.literal('unseen-category'), features }),
]);

export const importanceCheckSchema = z.strictObject({
  kind: z.literal('importance'),
  metric: z.enum(['accuracy', 'macro-f1']).default('accuracy'),
  repeats: z.number().int().min(1, 'expected at least 1 repeat').max(100, 'expected at most 100 repeats').default(5),
  /** Defaults to the pipeline's seed. */
  seed: seed.optional(),
  /** The most important feature must drop the score by at least this much (a model that ignores its inputs fails). */
  minTop: z.number().optional(),
});

export const fairnessCheckSchema = z.strictObject({
  kind: z.literal('fairness'),
  /** Column of the evaluation rows holding the sensitive attribute (need not be a model input). */
  attribute: z.string().min(1, 'expected the name of the sensitive attribute column (e.g. "island")'),
  /** Treat this class as positive; without it every class is treated one-vs-rest and the results averaged. */
  positiveClass: z.string().min(1).optional(),
  maxDemographicParityDiff: fraction.optional(),
  maxEqualizedOddsDiff: fraction.optional(),
  minGroupAccuracy: fraction.optional(),
});

export const robustnessCheckSchema = z.strictObject({
  kind: z.literal('robustness'),
  perturbations: z.array(perturbationSchema).min(1, 'expected at least one perturbation'),
  /** Largest accepted share of predictions that change under each perturbation. */
  maxFlipRate: fraction,
  /** Defaults to the pipeline's seed. */
  seed: seed.optional(),
});

export const calibrationCheckSchema = z.strictObject({
  kind: z.literal('calibration'),
  bins: z.number().int().min(1, 'expected at least 1 bin').max(100, 'expected at most 100 bins').default(10),
  maxEce: fraction.optional(),
});

/** One entry of a pipeline's `evaluate.checks`. */
export const riskCheckSchema = z.discriminatedUnion('kind', [importanceCheckSchema, fairnessCheckSchema, robustnessCheckSchema, calibrationCheckSchema]);

export type RiskCheck = z.infer<typeof riskCheckSchema>;
export type RiskCheckInput = z.input<typeof riskCheckSchema>;
export type PerturbationSpec = z.infer<typeof perturbationSchema>;
export type ImportanceCheck = z.infer<typeof importanceCheckSchema>;
export type FairnessCheck = z.infer<typeof fairnessCheckSchema>;
export type RobustnessCheck = z.infer<typeof robustnessCheckSchema>;
export type CalibrationCheck = z.infer<typeof calibrationCheckSchema>;


/** A check's human name, e.g. `fairness(island)`: the prefix of its messages. */
export function riskCheckName(check: RiskCheck | RiskCheckInput): string {
  return check.kind === 'fairness' ? `fairness(${check.attribute})` : check.kind;
}

/**
 * Model risk checks for `evaluate.checks`: each runs on the held-out rows after the evaluate step, and a broken bound
 * stops the run before registration, naming the check, the group or feature, the value and the bound.
 */
export const risk = {
  /**
   * Permutation feature importance (explainability), stored with the version. Defaults: metric 'accuracy', 5 repeats,
   * the pipeline's seed, no bound; with `minTop`, the top feature's mean score drop must be at least that.
   * @example risk.importance({ repeats: 10, seed: 7, minTop: 0.05 })
   */
  importance: (options: Omit<z.input<typeof importanceCheckSchema>, 'kind'> = {}): RiskCheckInput => ({ kind: 'importance', ...options }),
  /**
   * Per-group metrics for a sensitive attribute, with demographic-parity and equalized-odds differences (fairlearn's
   * definitions) and optional bounds. Without `positiveClass`, classes are treated one-vs-rest and averaged.
   * @example risk.fairness({ attribute: 'island', maxDemographicParityDiff: 0.2, minGroupAccuracy: 0.8 })
   */
  fairness: (options: Omit<z.input<typeof fairnessCheckSchema>, 'kind'>): RiskCheckInput => ({ kind: 'fairness', ...options }),
  /**
   * Prediction flip rate under perturbations (noise on numeric features as a fraction of their std, missing values,
   * unseen categories); each perturbation must stay at or below `maxFlipRate`. Noise scale defaults to 0.1.
   * @example
   * risk.robustness({
   *   perturbations: [{ kind: 'noise', features: ['bill_length_mm'], scale: 0.05 }, { kind: 'missing', features: ['sex'] }],
   *   maxFlipRate: 0.1,
   * })
   */
  robustness: (options: Omit<z.input<typeof robustnessCheckSchema>, 'kind'>): RiskCheckInput => ({ kind: 'robustness', ...options }),
  /**
   * Expected calibration error and reliability table for a classifier with probabilities. Defaults: 10 bins, no bound.
   * @example risk.calibration({ bins: 10, maxEce: 0.1 })
   */
  calibration: (options: Omit<z.input<typeof calibrationCheckSchema>, 'kind'> = {}): RiskCheckInput => ({ kind: 'calibration', ...options }),
};
