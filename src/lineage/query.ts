import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { breachLineageId } from '../core/ids.js';
import type { Executor } from '../audit/executor.js';
import { aliases, aliasHistory, approvals, artifacts, datasets, deployments, experiments, lineageEdges, modelVersions, runs } from '../db/schema/index.js';
import { RELATIONS } from './nodes.js';

export interface Lineage {
  model: string;
  version: number;
  status: string;
  registeredAt: Date;
  upstream: {
    commit: string;
    repo?: string;
    datasets: { name: string; sha256: string; uri: string; rows: number | null }[];
    params: unknown;
    seed: number;
    pipeline: string;
    specHash: string;
    /** The workflow id of the run that registered this version. */
    run: string;
    temporalRunId?: string;
    trigger?: string;
    triggeredBy?: string | null;
    environment?: unknown;
    parentRuns: string[];
  };
  artifact: { sha256: string; uri: string; kind?: string; size?: number; mediaType?: string | null };
  evaluation: { metrics: Record<string, number>; gates: unknown[] };
  approvals: { env: string; approver: string; decision: string; comment: string | null; reason: string | null; via: string; at: Date }[];
  downstream: {
    deployments: { id: number; env: string; target: string; strategy: string; status: string; trafficPercent: number; workflowId: string | null; at: Date; finishedAt: Date | null }[];
    /** Aliases pointing at this version now. */
    aliases: string[];
    /** Alias moves to or from this version. */
    aliasMoves: { alias: string; fromVersion: number | null; toVersion: number; actor: string; reason: string; at: Date }[];
  };
}

/**
 * The lineage of one model version: what produced it (commit, datasets, params, seed, run and its parents), how it
 * scored, who approved it and where it went. One indexed read of the version, then independent reads in parallel.
 */
export async function lineageOf(db: Executor, model: string, version: number): Promise<Lineage | undefined> {
  const [v] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!v) return undefined;
  const run = v.sourceWorkflowId;
  const [usedDatasets, parents, [runRow], [experiment], [artifact], approvalRows, deploymentRows, aliasRows, moves] = await Promise.all([
    db
      .select({ name: datasets.name, sha256: datasets.sha256, uri: datasets.uri, rows: datasets.rows })
      .from(lineageEdges)
      .innerJoin(datasets, sql`${lineageEdges.fromId} = ${datasets.id}::text`)
      .where(and(eq(lineageEdges.toKind, 'run'), eq(lineageEdges.toId, run), eq(lineageEdges.fromKind, 'dataset'), eq(lineageEdges.relation, RELATIONS.used)))
      .orderBy(asc(datasets.name)),
    db
      .select({ id: lineageEdges.fromId, kind: lineageEdges.fromKind })
      .from(lineageEdges)
      .where(and(eq(lineageEdges.toKind, 'run'), eq(lineageEdges.toId, run), inArray(lineageEdges.fromKind, ['run', 'incident'])))
      .orderBy(asc(lineageEdges.id)),
    db
      .select({ spec: runs.spec, temporalRunId: runs.temporalRunId, trigger: runs.trigger, triggeredBy: runs.triggeredBy })
      .from(runs)
      .where(eq(runs.workflowId, run)),
    db.select({ environment: experiments.environment }).from(experiments).where(eq(experiments.workflowId, run)),
    db.select().from(artifacts).where(eq(artifacts.sha256, v.artifactSha256)),
    db
      .select({ env: approvals.env, approver: approvals.approver, decision: approvals.decision, comment: approvals.comment, reason: approvals.reason, via: approvals.via, at: approvals.at })
      .from(approvals)
      .where(eq(approvals.workflowId, run))
      .orderBy(asc(approvals.at), asc(approvals.id)),
    db
      .select({
        id: deployments.id,
        env: deployments.env,
        target: deployments.target,
        strategy: deployments.strategy,
        status: deployments.status,
        trafficPercent: deployments.trafficPercent,
        workflowId: deployments.workflowId,
        at: deployments.createdAt,
        finishedAt: deployments.finishedAt,
      })
      .from(deployments)
      .where(and(eq(deployments.model, model), eq(deployments.version, version)))
      .orderBy(asc(deployments.id)),
    db
      .select({ alias: aliases.alias })
      .from(aliases)
      .where(and(eq(aliases.model, model), eq(aliases.version, version)))
      .orderBy(asc(aliases.alias)),
    db
      .select({ alias: aliasHistory.alias, fromVersion: aliasHistory.fromVersion, toVersion: aliasHistory.toVersion, actor: aliasHistory.actor, reason: aliasHistory.reason, at: aliasHistory.at })
      .from(aliasHistory)
      .where(and(eq(aliasHistory.model, model), or(eq(aliasHistory.toVersion, version), eq(aliasHistory.fromVersion, version))))
      .orderBy(asc(aliasHistory.id)),
  ]);
  const specRepo = (runRow?.spec as { repo?: { path?: string; url?: string } } | undefined)?.repo;
  const repo = specRepo?.url ?? specRepo?.path;
  return {
    model,
    version,
    status: v.status,
    registeredAt: v.createdAt,
    upstream: {
      commit: v.commit,
      ...(repo ? { repo } : {}),
      datasets: usedDatasets,
      params: v.params,
      seed: v.seed,
      pipeline: v.pipeline,
      specHash: v.specHash,
      run,
      ...(runRow ? { temporalRunId: runRow.temporalRunId, trigger: runRow.trigger, triggeredBy: runRow.triggeredBy } : {}),
      ...(experiment ? { environment: experiment.environment } : {}),
      parentRuns: parents.map((p) => (p.kind === 'incident' ? breachLineageId(Number(p.id)) : p.id)),
    },
    artifact: artifact
      ? { sha256: artifact.sha256, uri: artifact.uri, kind: artifact.kind, size: artifact.size, mediaType: artifact.mediaType }
      : { sha256: v.artifactSha256, uri: v.artifactUri },
    evaluation: { metrics: v.metrics, gates: (v.gates as unknown[] | null) ?? [] },
    approvals: approvalRows,
    downstream: { deployments: deploymentRows, aliases: aliasRows.map((a) => a.alias), aliasMoves: moves },
  };
}
