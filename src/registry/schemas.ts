import { z } from 'zod';
import { datasetInputSchema } from '../lineage/record.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 (64 lower-case hex digits)');

/** Model names follow pipeline names: lower-case letters, digits and dashes. */
export const modelNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'expected lower-case letters, digits and dashes, starting with a letter (e.g. "churn-model")')
  .max(63);

/** Aliases name environments (staging, production, …); `latest` is reserved: it always means the newest version. */
export const aliasNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'expected an alias such as "staging" or "production"')
  .refine((a) => a !== 'latest', '"latest" is reserved: it always resolves to the newest version');

export const VERSION_STATUSES = ['registered', 'approved', 'rejected', 'rolled-back', 'archived'] as const;
export const versionStatusSchema = z.enum(VERSION_STATUSES);
export type VersionStatus = z.infer<typeof versionStatusSchema>;

export const registerVersionInputSchema = z.object({
  model: modelNameSchema,
  description: z.string().optional(),
  owner: z.string().optional(),
  /** The registering workflow: one version per run, so a retried registration returns the same version. */
  sourceWorkflowId: z.string().min(1),
  temporalRunId: z.string().min(1).optional(),
  pipeline: z.string().min(1),
  specHash: z.string().min(1),
  commit: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  seed: z.number().int(),
  metrics: z.record(z.string(), z.number()),
  gates: z.array(z.unknown()).default([]),
  artifact: z.object({ sha256, uri: z.string().min(1), kind: z.string().min(1).default('model'), size: z.number().int().min(0), mediaType: z.string().optional() }),
  /** The drift reference's artifact (`kind` 'dataset' when it is a dataset recorded at integration): stored so any worker finds it. */
  reference: z.object({ sha256, uri: z.string().min(1), kind: z.enum(['reference', 'dataset']).default('reference'), size: z.number().int().min(0) }).optional(),
  referenceSha256: sha256.optional(),
  modelCard: z.record(z.string(), z.unknown()).optional(),
  datasets: z.array(datasetInputSchema).default([]),
  /** Runs this one descends from (a retrain of, a reproduction of): lineage `triggered` edges. */
  parentRuns: z.array(z.string().min(1)).default([]),
  actor: z.string().min(1).default('ferry'),
});
export type RegisterVersionInput = z.input<typeof registerVersionInputSchema>;

export const moveAliasInputSchema = z.object({
  model: modelNameSchema,
  alias: aliasNameSchema,
  toVersion: z.number().int().min(1),
  actor: z.string().min(1),
  reason: z.string().min(1, 'expected why the alias moves (it goes into the alias history and the audit log)'),
  workflowId: z.string().min(1).optional(),
  temporalRunId: z.string().min(1).optional(),
  /** Workflow id + activity id, or another natural key: a retried move is written once. */
  idempotencyKey: z.string().min(1),
  /** Audit action: `alias.moved` (default) or `rollback`. */
  action: z.enum(['alias.moved', 'rollback']).default('alias.moved'),
});
export type MoveAliasInput = z.input<typeof moveAliasInputSchema>;

export const setVersionStatusInputSchema = z.object({
  model: modelNameSchema,
  version: z.number().int().min(1),
  status: versionStatusSchema,
  actor: z.string().min(1),
  reason: z.string().optional(),
  workflowId: z.string().min(1).optional(),
  idempotencyKey: z.string().min(1).optional(),
});
export type SetVersionStatusInput = z.input<typeof setVersionStatusInputSchema>;
