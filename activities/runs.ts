import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../src/audit/index.js';
import { pipelines, runs } from '../src/db/schema/index.js';
import type { ActivityDeps } from './deps.js';

export interface RunStartedInput {
  workflowId: string;
  temporalRunId: string;
  pipeline: string;
  model?: string;
  owner?: string;
  spec: unknown;
  specHash: string;
  trigger: string;
  triggeredBy?: string;
}

/** A stage's update of its run's row; a `compact-history` run hands it to the stage's first activity (integrate, a step). */
export interface RunProgress {
  workflowId: string;
  stage: string;
  status: string;
  commit?: string;
}

/** Activities that keep the `runs` table in step with the workflow. Each write is an upsert keyed by workflow id. */
export function createRunActivities({ db }: ActivityDeps) {
  return {
    async recordRunStarted(input: RunStartedInput): Promise<void> {
      await db.transaction(async (tx) => {
      await tx
        .insert(pipelines)
        .values({ name: input.pipeline, owner: input.owner, specHash: input.specHash })
        .onConflictDoUpdate({ target: pipelines.name, set: { owner: input.owner, specHash: input.specHash, updatedAt: sql`now()` } });
      await tx
        .insert(runs)
        .values({
          workflowId: input.workflowId,
          temporalRunId: input.temporalRunId,
          pipeline: input.pipeline,
          model: input.model,
          spec: input.spec,
          specHash: input.specHash,
          trigger: input.trigger,
          triggeredBy: input.triggeredBy,
          status: 'running',
          stage: 'integrate',
        })
        .onConflictDoNothing();
      await appendAudit(tx, {
        actor: input.triggeredBy ?? 'ferry',
        action: 'run.started',
        subjectKind: 'run',
        subjectId: input.workflowId,
        workflowId: input.workflowId,
        temporalRunId: input.temporalRunId,
        reason: `trigger ${input.trigger}`,
        details: { pipeline: input.pipeline, model: input.model, specHash: input.specHash },
        idempotencyKey: `${input.workflowId}:run.started`,
      });
      });
    },

    async recordRunProgress(input: RunProgress): Promise<void> {
      await db
        .update(runs)
        .set({ stage: input.stage, status: input.status, ...(input.commit ? { commit: input.commit } : {}) })
        .where(eq(runs.workflowId, input.workflowId));
    },

    async recordRunFinished(input: { workflowId: string; temporalRunId?: string; status: string; error?: string }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(runs)
          .set({ status: input.status, error: input.error ?? null, finishedAt: sql`coalesce(${runs.finishedAt}, now())` })
          .where(eq(runs.workflowId, input.workflowId));
        await appendAudit(tx, {
          actor: 'ferry',
          action: 'run.finished',
          subjectKind: 'run',
          subjectId: input.workflowId,
          workflowId: input.workflowId,
          temporalRunId: input.temporalRunId,
          reason: input.error ?? input.status,
          details: { status: input.status },
          idempotencyKey: `${input.workflowId}:run.finished`,
        });
      });
    },
  };
}
