import { eq } from 'drizzle-orm';
import type { Executor } from '../audit/index.js';
import { models } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { lineageOf } from '../lineage/index.js';
import { requireVersion } from '../registry/index.js';
import { buildModelCard } from './build.js';
import type { ModelCard } from './schema.js';
import { storedCardParts } from './stored.js';

/** Builds a version's model card from the registry (what registration stored) and its current lineage. */
export async function modelCardFor(db: Executor, modelName: string, versionOrAlias: number | string): Promise<{ card: ModelCard; model: string; version: number }> {
  const row = await requireVersion(db, modelName, versionOrAlias);
  const lineage = await lineageOf(db, row.model, row.version);
  if (!lineage) throw new FerryError(`${row.model}@${row.version}: removed while reading it; run the command again`);
  const [model] = await db.select().from(models).where(eq(models.name, row.model));
  const stored = storedCardParts(row.modelCard);
  const card = buildModelCard({
    ...stored,
    model: { name: row.model, description: stored.description ?? model?.description, owner: model?.owner },
    version: {
      version: row.version,
      status: row.status,
      createdAt: row.createdAt,
      pipeline: row.pipeline,
      artifactSha256: row.artifactSha256,
      artifactUri: row.artifactUri,
      commit: row.commit,
      params: row.params as Record<string, unknown>,
      seed: row.seed,
      sourceWorkflowId: row.sourceWorkflowId,
      specHash: row.specHash,
      metrics: row.metrics,
      gates: row.gates as unknown[],
    },
    datasets: lineage.upstream.datasets,
    approvals: lineage.approvals,
    deployments: lineage.downstream.deployments,
  } as Parameters<typeof buildModelCard>[0]);
  return { card, model: row.model, version: row.version };
}
