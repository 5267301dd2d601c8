import { and, eq, ne, sql } from 'drizzle-orm';
import { appendAudit } from '../src/audit/index.js';
import { deployments } from '../src/db/schema/index.js';
import { canaryHealth, type CanaryHealth, type CanaryHealthQuery } from '../src/deploy/canary-health.js';
import { describeRoutes, normalizeRoutes, routesSchema, type Route } from '../src/core/routes.js';
import { DeploymentMismatchError, verifyDeployment, type DeploymentTarget, type LiveState, type VerifyOptions } from '../src/deploy/target.js';
import { createTarget, type TargetName } from '../src/deploy/targets.js';
import { FerryError } from '../src/core/errors.js';
import { currentWorkflowId, type ActivityDeps } from './deps.js';
import { envValue } from '../src/settings.js';
import { Failure, FerryFailure } from '../src/core/failures.js';
import { firstIssue } from '../src/dsl/issues.js';

export interface ApplyRoutesInput {
  model: string;
  env: string;
  target: TargetName;
  routes: Route[];
  /** The version this deployment rolls out (default: the newest version in `routes`; an existing deployment keeps its own). */
  version?: number;
  /** One key per deployment (e.g. `<workflowId>:deploy:<env>`): every step of a rollout, and its rollback, updates one row. */
  idempotencyKey?: string;
  strategy?: string;
  workflowId?: string;
  actor?: string;
  /** Why these routes (e.g. "canary step 2/3", "canary unhealthy: error rate 40% > 5%"). */
  reason?: string;
}

export interface ApplyRoutesResult {
  deploymentId: number;
  generation: number;
  live: LiveState;
  /** The deployment's status after this step: deploying | live | rolled-back. */
  status: string;
  trafficPercent: number;
}

/** Test seams: fixed targets instead of ones built from the environment, and read-back polling bounds. */
export interface DeployActivityOverrides {
  targets?: Partial<Record<TargetName, DeploymentTarget>>;
  verify?: VerifyOptions;
}

/**
 * A read-back mismatch and transient target errors (`details.retryable`) are retried by Temporal; any other FerryError
 * is a configuration or input problem that retrying will not fix.
 */
function toFailure(err: unknown): unknown {
  if (err instanceof DeploymentMismatchError) return new FerryFailure(Failure.DeploymentMismatch, err.message, { details: [err.details] });
  if (err instanceof FerryError && err.details.retryable !== true) return FerryFailure.finalAs(err);
  return err;
}

/** Deployment and canary-health activities (idempotent by their keys). */
export function createDeployActivities(deps: ActivityDeps, overrides: DeployActivityOverrides = {}) {
  const { db } = deps;
  // The model server URL is read when a local deploy needs it, so workers that never deploy locally need no setting.
  const serveUrl = (deps as ActivityDeps & { serveUrl?: string }).serveUrl ?? envValue('FERRY_SERVE_URL');
  // Built on first use and kept: a target holds clients (the SageMaker SDK's connections) worth reusing.
  const built = new Map<TargetName, DeploymentTarget>();
  const targetFor = (name: TargetName) => {
    const target = overrides.targets?.[name] ?? built.get(name) ?? createTarget(name, { db, serveUrl, store: deps.store, home: deps.home, sagemaker: deps.sagemaker });
    built.set(name, target);
    return target;
  };

  return {
    /**
     * Applies a route set through a target, verifies it by reading the live state back, records the deployment row
     * (one per idempotency key) and audits the step. A target serving anything else fails retryably.
     */
    async applyRoutes(input: ApplyRoutesInput): Promise<ApplyRoutesResult> {
      const parsed = routesSchema.safeParse(input.routes);
      if (!parsed.success) throw new FerryFailure(Failure.UsageError, `applyRoutes: routes ${JSON.stringify(input.routes)}: ${firstIssue(parsed.error, input.routes).message}`);
      const routes = normalizeRoutes(parsed.data);
      const workflowId = input.workflowId ?? currentWorkflowId();
      const key = input.idempotencyKey ?? `${workflowId ?? 'manual'}:deploy:${input.model}:${input.env}:${input.target}`;
      const [existing] = await db.select().from(deployments).where(eq(deployments.idempotencyKey, key));
      const version = existing?.version ?? input.version ?? Math.max(...routes.map((r) => r.version));
      let live: LiveState;
      try {
        // A rollback step gives the deployment's version no traffic: the target rolls out the version that takes the most.
        const stepVersion = routes.some((r) => r.version === version) ? version : [...routes].sort((a, b) => b.percent - a.percent)[0]!.version;
        live = await verifyDeployment(targetFor(input.target), { model: input.model, env: input.env, version: stepVersion, routes }, overrides.verify);
      } catch (err) {
        throw toFailure(err);
      }
      const trafficPercent = routes.find((r) => r.version === version)?.percent ?? 0;
      const status = trafficPercent === 100 ? 'live' : trafficPercent === 0 ? 'rolled-back' : 'deploying';
      const finished = status !== 'deploying';
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(deployments)
          .values({
            model: input.model,
            version,
            env: input.env,
            target: input.target,
            strategy: input.strategy ?? 'all-at-once',
            status,
            trafficPercent,
            workflowId: workflowId ?? null,
            idempotencyKey: key,
            details: { routes, generation: live.generation },
            finishedAt: finished ? new Date() : null,
          })
          .onConflictDoUpdate({
            target: deployments.idempotencyKey,
            set: { status, trafficPercent, details: { routes, generation: live.generation }, finishedAt: finished ? sql`coalesce(${deployments.finishedAt}, now())` : null },
          })
          .returning();
        if (status === 'live') {
          // The version now taking all traffic supersedes earlier live deployments of this model and env.
          await tx
            .update(deployments)
            .set({ status: 'superseded' })
            .where(and(eq(deployments.model, input.model), eq(deployments.env, input.env), eq(deployments.status, 'live'), ne(deployments.id, row!.id)));
        }
        await appendAudit(tx, {
          actor: input.actor ?? 'ferry',
          action: status === 'rolled-back' ? 'rollback' : status === 'live' ? 'deployment.finished' : 'deployment.started',
          subjectKind: 'deployment',
          subjectId: `${input.model}@${input.env}`,
          workflowId,
          reason: input.reason ?? `routes ${describeRoutes(routes)} via ${input.target}`,
          details: { model: input.model, env: input.env, version, target: input.target, deploymentId: row!.id, routes, generation: live.generation, trafficPercent, status },
          // A retried step that changed nothing is audited once; a re-apply after a revert (new generation) again.
          idempotencyKey: `${key}:routes:${describeRoutes(routes)}:g${live.generation}`,
        });
        return { deploymentId: row!.id, generation: live.generation, live, status, trafficPercent };
      });
    },

    /** Judges a canary from its logged predictions over the bake window, and audits the verdict. */
    async checkCanaryHealth(input: CanaryHealthQuery & { workflowId?: string; idempotencyKey?: string }): Promise<CanaryHealth> {
      const health = await canaryHealth(db, input);
      const workflowId = input.workflowId ?? currentWorkflowId();
      await appendAudit(db, {
        actor: 'ferry',
        action: 'gate.result',
        subjectKind: 'deployment',
        subjectId: `${input.model}@${input.env}`,
        workflowId,
        reason: health.reason,
        details: { gate: 'canary-health', model: input.model, env: input.env, version: input.version, since: new Date(input.since).toISOString(), maxErrorRate: input.maxErrorRate, maxLatencyMs: input.maxLatencyMs ?? null, minRequests: input.minRequests ?? 1, ...health },
        idempotencyKey: input.idempotencyKey ?? (workflowId ? `${workflowId}:canary-health:${input.model}:${input.env}:v${input.version}:${new Date(input.since).toISOString()}` : undefined),
      });
      return health;
    },
  };
}

export type DeployActivities = ReturnType<typeof createDeployActivities>;
