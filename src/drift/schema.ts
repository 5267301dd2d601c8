/** Zod schemas for drift options and results: the single source of the JSON contract of `ferry drift`. */
import { z } from 'zod';

/** Statistical tests a column can be judged by. */
export const driftMethodSchema = z.enum(['ks', 'psi', 'wasserstein', 'jensenshannon', 'chisquare', 'z']);
/** `--method` values: a test, or `auto` (Evidently's rule). */
export const driftMethodOptionSchema = z.enum(['auto', ...driftMethodSchema.options]);

/** Result for one column. `pValue` is null for distance-like methods (psi, wasserstein, jensenshannon). */
export const columnDriftSchema = z.object({
  column: z.string(),
  type: z.enum(['numeric', 'categorical']),
  method: driftMethodSchema,
  statistic: z.number(),
  pValue: z.number().nullable(),
  threshold: z.number(),
  drifted: z.boolean(),
  missingShare: z.number().min(0).max(1),
});

/** Result for a dataset: columns in the reference header's order; dataset drift when ≥ half the columns drifted. */
export const driftReportSchema = z.object({
  columns: z.array(columnDriftSchema),
  driftedShare: z.number().min(0).max(1),
  datasetDrifted: z.boolean(),
});

export type DriftMethod = z.infer<typeof driftMethodSchema>;
export type DriftMethodOption = z.infer<typeof driftMethodOptionSchema>;
export type ColumnDrift = z.infer<typeof columnDriftSchema>;
export type DriftReport = z.infer<typeof driftReportSchema>;
