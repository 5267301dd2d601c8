import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../audit/executor.js';
import { datasets, experiments, lineageEdges } from '../db/schema/index.js';
import type { NodeRef } from './nodes.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 (64 lower-case hex digits)');

export const datasetInputSchema = z.object({
  name: z.string().min(1),
  uri: z.string().min(1),
  sha256,
  rows: z.number().int().min(0).optional(),
  columnsFingerprint: z.string().optional(),
});
export type DatasetInput = z.input<typeof datasetInputSchema>;
export type DatasetRow = typeof datasets.$inferSelect;

/** Records a dataset version (natural key: sha256 + uri) and returns its row; recording it again returns the same row. */
export async function recordDataset(db: Executor, input: DatasetInput): Promise<DatasetRow> {
  const value = datasetInputSchema.parse(input);
  const [row] = await db
    .insert(datasets)
    .values(value)
    .onConflictDoUpdate({
      target: [datasets.sha256, datasets.uri],
      // A no-op update, so RETURNING yields the existing row; later facts fill gaps, never overwrite.
      set: { rows: sql`coalesce(${datasets.rows}, excluded.rows)`, columnsFingerprint: sql`coalesce(${datasets.columnsFingerprint}, excluded.columns_fingerprint)` },
    })
    .returning();
  return row!;
}

/** Records an edge of the lineage graph; an edge recorded twice is stored once. */
export async function recordEdge(db: Executor, edge: { from: NodeRef; to: NodeRef; relation: string; workflowId?: string }): Promise<void> {
  await db
    .insert(lineageEdges)
    .values({ fromKind: edge.from.kind, fromId: edge.from.id, toKind: edge.to.kind, toId: edge.to.id, relation: edge.relation, workflowId: edge.workflowId })
    .onConflictDoNothing();
}

export const experimentInputSchema = z.object({
  workflowId: z.string().min(1),
  pipeline: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  metrics: z.record(z.string(), z.number()).default({}),
  environment: z.record(z.string(), z.unknown()).default({}),
  commit: z.string().optional(),
});
export type ExperimentInput = z.input<typeof experimentInputSchema>;

/** Records a run's params, seed, metrics and environment, keyed by workflow id: a later call updates the same row. */
export async function recordExperiment(db: Executor, input: ExperimentInput): Promise<void> {
  const value = experimentInputSchema.parse(input);
  await db
    .insert(experiments)
    .values(value)
    .onConflictDoUpdate({
      target: experiments.workflowId,
      set: {
        pipeline: value.pipeline,
        params: value.params,
        seed: value.seed,
        // Metrics arrive in parts (train, then evaluate): merge rather than replace.
        metrics: sql`${experiments.metrics} || excluded.metrics`,
        environment: sql`${experiments.environment} || excluded.environment`,
        commit: sql`coalesce(excluded.commit, ${experiments.commit})`,
      },
    });
}
