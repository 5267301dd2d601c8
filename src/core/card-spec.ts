import { z } from 'zod';

/**
 * What the author writes about the model in the pipeline definition (`card: { ... }`), for its model card.
 * Zod only: safe to import from the pipeline spec and workflow code.
 */
export const cardSpecSchema = z.strictObject({
  /** What the model is for and who should use it. */
  intendedUse: z.string().min(1, 'expected a sentence on what the model is for').optional(),
  /** Where it should not be used, known weaknesses, data caveats. */
  limitations: z.array(z.string().min(1, 'expected a non-empty limitation')).default([]),
  /** Uses the author rules out. */
  outOfScope: z.array(z.string().min(1)).default([]),
});

export type CardSpec = z.infer<typeof cardSpecSchema>;
