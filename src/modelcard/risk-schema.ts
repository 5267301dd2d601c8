import { z } from 'zod';
import { perturbationSchema } from '../core/risk.js';

/** Zod mirrors of the src/risk reports, so a stored card is validated when read back (build.ts checks they agree). */

export const riskCheckResultSchema = z.object({
  check: z.string(),
  passed: z.boolean(),
  value: z.number().optional(),
  bound: z.number().optional(),
  group: z.string().optional(),
  feature: z.string().optional(),
  message: z.string(),
});

export const importanceReportSchema = z.object({
  metric: z.enum(['accuracy', 'macro-f1']),
  repeats: z.number().int(),
  seed: z.number().int(),
  baseline: z.number(),
  features: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number(), drops: z.array(z.number()) })),
});

const rates = { selectionRate: z.number(), tpr: z.number(), fpr: z.number() };
const ratesSchema = z.object(rates);
const disparities = { demographicParityDifference: z.number(), equalizedOddsDifference: z.number() };

export const fairnessReportSchema = z.object({
  attribute: z.string(),
  mode: z.enum(['binary', 'one-vs-rest']),
  positiveClass: z.string().optional(),
  classes: z.array(z.string()),
  groups: z.array(z.object({ group: z.string(), count: z.number().int(), accuracy: z.number(), ...rates, perClass: z.record(z.string(), ratesSchema).optional() })),
  ...disparities,
  perClass: z.record(z.string(), z.object(disparities)).optional(),
});

export const robustnessReportSchema = z.object({
  seed: z.number().int(),
  maxFlipRate: z.number(),
  results: z.array(
    z.object({
      // Perturbations as the computation saw them (defaults filled in).
      perturbation: z.union([perturbationSchema, z.object({ kind: z.literal('noise'), features: z.array(z.string()), scale: z.number() })]),
      flipRate: z.number(),
      flipped: z.number().int(),
      rows: z.number().int(),
    }),
  ),
});

export const calibrationReportSchema = z.object({
  bins: z.number().int(),
  ece: z.number(),
  table: z.array(
    z.object({
      bin: z.number().int(),
      lower: z.number(),
      upper: z.number(),
      count: z.number().int(),
      meanConfidence: z.number().nullable(),
      accuracy: z.number().nullable(),
    }),
  ),
});

export const riskSectionSchema = z.object({
  passed: z.boolean(),
  results: z.array(riskCheckResultSchema),
  importance: importanceReportSchema.optional(),
  fairness: z.array(fairnessReportSchema).default([]),
  robustness: z.array(robustnessReportSchema).default([]),
  calibration: calibrationReportSchema.optional(),
});
