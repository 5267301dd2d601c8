import { and, desc, eq, inArray } from 'drizzle-orm';
import { appendAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { aliases, deployments, modelVersions } from '../db/schema/index.js';
import { describeRoutes, normalizeRoutes, sameRoutes, type Route } from '../core/routes.js';
import type { DeploymentTarget, LiveState } from './target.js';
import type { TargetName } from './targets.js';

/** One way an environment's live serving differs from what Ferry's registry and deployments say it should serve. */
export interface ReconcileFinding {
  model: string;
  env: string;
  target: TargetName;
  /** `swapped`: the target serves other routes than Ferry deployed; `unapproved`: a served version the registry has not approved (or has rejected/archived). */
  kind: 'swapped' | 'unapproved';
  /** The version the env's alias points at (what a restore rolls out). */
  version: number;
  /** What Ferry last deployed (the live deployment's routes): the approved state a restore puts back. */
  expected: Route[];
  live: LiveState['routes'];
  /** The target's generation when read: a persisting mismatch keeps it, a new swap moves it. */
  generation: number;
  /** Served versions nobody deployed, or not approved, with their registry status (`unregistered` if unknown). */
  offending: { version: number; status: string }[];
  summary: string;
}

/** Registry states under which a version may serve: approved, or registered by a run whose environments need no approval. */
const SERVABLE = new Set(['approved', 'registered']);

/**
 * Compares each live deployment of `env` with what its target reads back. A target that reads back other routes than
 * were deployed is `swapped`; a served version the registry has rejected or archived (or never registered) is
 * `unapproved`. Each finding is audited (`reconcile.mismatch`, keyed by `auditKey`), so a check retried writes once.
 */
export async function reconcileEnvironment(
  db: Db,
  input: { env: string; auditKey: string; workflowId?: string },
  targetFor: (name: TargetName) => DeploymentTarget,
): Promise<ReconcileFinding[]> {
  const live = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.env, input.env), eq(deployments.status, 'live')))
    .orderBy(desc(deployments.id));
  // A rollout in progress (a canary or blue/green step: a `deploying` row newer than the live one) owns the routes until
  // it finishes; judging it against the live row would report, or with restore revert, the canary itself.
  const rolling = await db
    .select({ model: deployments.model, id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.env, input.env), eq(deployments.status, 'deploying')));
  const seen = new Set<string>();
  const findings: ReconcileFinding[] = [];
  for (const d of live) {
    // The newest live deployment of a model is the one that counts; older rows are superseded in all but name.
    if (seen.has(d.model)) continue;
    seen.add(d.model);
    if (rolling.some((r) => r.model === d.model && r.id > d.id)) continue;
    const expected = normalizeRoutes(((d.details ?? {}) as { routes?: Route[] }).routes ?? [{ version: d.version, percent: 100 }]);
    const target = d.target as TargetName;
    const state = await targetFor(target).readBack({ model: d.model, env: input.env });
    const [alias] = await db.select().from(aliases).where(and(eq(aliases.model, d.model), eq(aliases.alias, input.env)));
    const version = alias?.version ?? d.version;
    const served = normalizeRoutes(state.routes as Route[]);
    const versions = served.map((r) => r.version);
    const statuses = versions.length
      ? await db.select({ version: modelVersions.version, status: modelVersions.status }).from(modelVersions).where(and(eq(modelVersions.model, d.model), inArray(modelVersions.version, versions)))
      : [];
    const statusOf = (v: number) => statuses.find((s) => s.version === v)?.status ?? 'unregistered';
    const expectedVersions = new Set(expected.map((r) => r.version));
    const unapproved = versions.filter((v) => !SERVABLE.has(statusOf(v))).map((v) => ({ version: v, status: statusOf(v) }));
    const swapped = !sameRoutes(served, expected);
    if (!swapped && unapproved.length === 0) continue;
    const strangers = versions.filter((v) => !expectedVersions.has(v)).map((v) => ({ version: v, status: statusOf(v) }));
    const offending = unapproved.length ? unapproved : strangers;
    const kind = unapproved.length ? 'unapproved' : 'swapped';
    const summary =
      `${d.model}@${input.env} via ${target}: serves ${describeRoutes(served) || 'nothing'}, Ferry deployed ${describeRoutes(expected)}` +
      (offending.length ? ` (${offending.map((o) => `v${o.version} ${o.status}`).join(', ')})` : '') +
      (version !== d.version ? `; alias ${input.env} points at v${version}` : '');
    const finding: ReconcileFinding = { model: d.model, env: input.env, target, kind, version, expected, live: served, generation: state.generation, offending, summary };
    await appendAudit(db, {
      actor: 'ferry',
      action: 'reconcile.mismatch',
      subjectKind: 'deployment',
      subjectId: `${d.model}@${input.env}`,
      workflowId: input.workflowId,
      reason: summary,
      details: { ...finding, deploymentId: d.id },
      idempotencyKey: `${input.auditKey}:${d.model}`,
    });
    findings.push(finding);
  }
  return findings;
}
