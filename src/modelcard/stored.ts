import { z } from 'zod';
import type { RiskEvaluation } from '../risk/evaluate.js';
import type { ClassMetrics } from '../risk/metrics.js';
import type { ModelCardParts } from './build.js';
import { cardSpecSchema, type CardSpec } from '../core/card-spec.js';
import { riskSectionSchema } from './risk-schema.js';

/**
 * What registration keeps in `model_versions.model_card` for the card: the author's text, per-class metrics and the
 * risk results. The rest of a card (lineage, approvals, deployments) is read when the card is rendered, so it is current.
 */
export const storedCardDataSchema = z.object({
  description: z.string().optional(),
  card: cardSpecSchema.partial().optional(),
  perClassMetrics: z.record(z.string(), z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() })).optional(),
  risk: riskSectionSchema.optional(),
});

export type StoredCardData = z.infer<typeof storedCardDataSchema>;

/** The JSON to store in `model_versions.model_card` at registration. */
export function storedCardData(parts: { card?: Partial<CardSpec>; perClassMetrics?: Record<string, ClassMetrics>; risk?: RiskEvaluation; description?: string }): StoredCardData {
  const { risk, ...rest } = parts;
  return storedCardDataSchema.parse({ ...rest, ...(risk ? { risk: { passed: risk.passed, results: risk.results, ...risk.reports } } : {}) });
}

/** The card parts kept at registration, read back from `model_versions.model_card` (null or an older shape gives none). */
export function storedCardParts(stored: unknown): Pick<ModelCardParts, 'card' | 'perClassMetrics' | 'risk'> & { description?: string } {
  const parsed = storedCardDataSchema.safeParse(stored ?? {});
  if (!parsed.success) return {};
  const { card, perClassMetrics, risk, description } = parsed.data;
  return { ...(card ? { card } : {}), ...(perClassMetrics ? { perClassMetrics } : {}), ...(risk ? { risk } : {}), ...(description ? { description } : {}) };
}
