import { z } from 'zod';
import { riskSectionSchema } from './risk-schema.js';

/**
 * The data of a model card: everything the registry and lineage know about one registered version, plus what the
 * author wrote in the pipeline. This schema is the single source of truth; `renderModelCard` draws it as md, html or json.
 */

const isoDate = z.string().min(1, 'expected an ISO 8601 date');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex (64 characters)');

export const modelCardSchema = z.object({
  kind: z.literal('ferry/model-card/v1'),
  model: z.object({ name: z.string().min(1), description: z.string().optional(), owner: z.string().optional() }),
  version: z.object({
    version: z.number().int().min(1),
    status: z.string().min(1),
    createdAt: isoDate,
    pipeline: z.string().min(1),
    artifact: z.object({ sha256, uri: z.string().min(1) }),
  }),
  intendedUse: z.string().optional(),
  limitations: z.array(z.string()).default([]),
  outOfScope: z.array(z.string()).default([]),
  data: z.object({
    datasets: z.array(z.object({ name: z.string().min(1), sha256, uri: z.string().optional(), rows: z.number().int().min(0).optional(), role: z.string().optional() })).default([]),
  }),
  metrics: z.record(z.string(), z.number()).default({}),
  perClassMetrics: z.record(z.string(), z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() })).optional(),
  gates: z
    .array(z.object({ gate: z.string(), passed: z.boolean(), value: z.number().optional(), bound: z.number().optional(), production: z.number().optional(), productionVersion: z.number().optional(), message: z.string() }))
    .default([]),
  risk: riskSectionSchema.optional(),
  lineage: z.object({
    commit: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    seed: z.number().int(),
    run: z.string().min(1),
    specHash: z.string().optional(),
  }),
  approvals: z
    .array(z.object({ env: z.string(), approver: z.string(), decision: z.string(), comment: z.string().optional(), via: z.string().optional(), at: isoDate }))
    .default([]),
  deployments: z
    .array(
      z.object({
        env: z.string(),
        status: z.string(),
        target: z.string().optional(),
        strategy: z.string().optional(),
        trafficPercent: z.number().optional(),
        at: isoDate,
      }),
    )
    .default([]),
  generatedAt: isoDate,
});

export type ModelCard = z.infer<typeof modelCardSchema>;
export type ModelCardInput = z.input<typeof modelCardSchema>;
export type ModelCardFormat = 'md' | 'html' | 'json';
