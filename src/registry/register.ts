import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/append.js';
import type { Executor } from '../audit/executor.js';
import { artifacts, modelVersions, models } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { parentNode } from '../core/ids.js';
import { modelVersionId, RELATIONS } from '../lineage/nodes.js';
import { recordDataset, recordEdge } from '../lineage/record.js';
import { lockModel } from './lock.js';
import { registerVersionInputSchema, type RegisterVersionInput } from './schemas.js';

export type ModelVersionRow = typeof modelVersions.$inferSelect;

/**
 * Registers a model version in one transaction: the models and artifacts rows, the next version number (allocated
 * under a per-model lock), the lineage edges (commit → run, datasets → run, run → artifact → version, run → version)
 * and a `model.registered` audit record. Idempotent on `sourceWorkflowId`: a retry returns the version already made.
 */
export async function registerVersion(db: Executor, input: RegisterVersionInput): Promise<{ version: number; created: boolean; row: ModelVersionRow }> {
  const v = registerVersionInputSchema.parse(input);
  return db.transaction(async (tx) => {
    await lockModel(tx, v.model);
    const [existing] = await tx.select().from(modelVersions).where(eq(modelVersions.sourceWorkflowId, v.sourceWorkflowId));
    if (existing) {
      if (existing.model !== v.model) {
        throw new FerryError(`run ${v.sourceWorkflowId} already registered ${existing.model}@${existing.version}; a run registers one model version`);
      }
      return { version: existing.version, created: false, row: existing };
    }
    await tx
      .insert(models)
      .values({ name: v.model, description: v.description, owner: v.owner })
      .onConflictDoUpdate({
        target: models.name,
        set: { description: sql`coalesce(excluded.description, ${models.description})`, owner: sql`coalesce(excluded.owner, ${models.owner})` },
      });
    await tx.insert(artifacts).values(v.artifact).onConflictDoNothing();
    if (v.reference) await tx.insert(artifacts).values(v.reference).onConflictDoNothing();
    const [{ next }] = (await tx
      .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0)::int + 1` })
      .from(modelVersions)
      .where(eq(modelVersions.model, v.model))) as [{ next: number }];
    const [row] = await tx
      .insert(modelVersions)
      .values({
        model: v.model,
        version: next,
        metrics: v.metrics,
        gates: v.gates,
        sourceWorkflowId: v.sourceWorkflowId,
        pipeline: v.pipeline,
        specHash: v.specHash,
        commit: v.commit,
        params: v.params,
        seed: v.seed,
        artifactSha256: v.artifact.sha256,
        artifactUri: v.artifact.uri,
        referenceSha256: v.referenceSha256 ?? v.reference?.sha256,
        modelCard: v.modelCard,
      })
      .returning();

    const run = { kind: 'run', id: v.sourceWorkflowId };
    const version = { kind: 'model-version', id: modelVersionId(v.model, next) };
    const artifact = { kind: 'artifact', id: v.artifact.sha256 };
    const workflowId = v.sourceWorkflowId;
    await recordEdge(tx, { from: { kind: 'commit', id: v.commit }, to: run, relation: RELATIONS.checkedOut, workflowId });
    for (const dataset of v.datasets) {
      const stored = await recordDataset(tx, dataset);
      await recordEdge(tx, { from: { kind: 'dataset', id: String(stored.id) }, to: run, relation: RELATIONS.used, workflowId });
    }
    for (const parent of v.parentRuns) await recordEdge(tx, { from: parentNode(parent), to: run, relation: RELATIONS.triggered, workflowId });
    await recordEdge(tx, { from: run, to: artifact, relation: RELATIONS.produced, workflowId });
    await recordEdge(tx, { from: artifact, to: version, relation: RELATIONS.packagedAs, workflowId });
    await recordEdge(tx, { from: run, to: version, relation: RELATIONS.registered, workflowId });

    await appendAudit(tx, {
      actor: v.actor,
      action: 'model.registered',
      subjectKind: 'model-version',
      subjectId: version.id,
      workflowId,
      temporalRunId: v.temporalRunId,
      details: { model: v.model, version: next, commit: v.commit, artifactSha256: v.artifact.sha256, metrics: v.metrics },
      idempotencyKey: `model.registered:${v.sourceWorkflowId}`,
    });
    return { version: next, created: true, row: row! };
  });
}
