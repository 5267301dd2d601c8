import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/append.js';
import type { Executor } from '../audit/executor.js';
import { hasRole, type FerryUser } from '../auth/roles.js';
import { aliases, aliasHistory, approvals, modelVersions, runs } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { pipelineSpecSchema } from '../core/spec.js';
import { UNFIT } from './aliases.js';

export interface RollbackRequest {
  model: string;
  env: string;
  /** `--to N`; undefined: the workflow picks the previous approved version. */
  version?: number;
  caller: Pick<FerryUser, 'name' | 'roles' | 'groups'>;
  reason: string;
}

/** Groups of the environment's approval rule, read from the spec of the run that produced `version` (empty: any approver). */
async function approvalGroups(db: Executor, model: string, env: string, version: number): Promise<string[]> {
  const [row] = await db
    .select({ spec: runs.spec })
    .from(modelVersions)
    .innerJoin(runs, eq(runs.workflowId, modelVersions.sourceWorkflowId))
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  const spec = pipelineSpecSchema.safeParse(row?.spec);
  return (spec.success ? spec.data.deploy.find((d) => d.env === env)?.approval?.groups : undefined) ?? [];
}

/** Why `version` may not be put into `env`: never approved for it, or since marked unfit. Empty when it may. */
async function versionProblems(db: Executor, model: string, env: string, version: number): Promise<string[]> {
  const [row] = await db
    .select({ status: modelVersions.status, source: modelVersions.sourceWorkflowId })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new FerryError(`${model} v${version} does not exist; see 'ferry models ${model}'`);
  const problems: string[] = [];
  if (UNFIT.includes(row.status)) problems.push(`v${version} is ${row.status}`);
  // Approved for the environment: it served there before (only an approved promotion moves an alias), or its run's approval for it passed.
  const [served] = await db.select({ id: aliasHistory.id }).from(aliasHistory).where(and(eq(aliasHistory.model, model), eq(aliasHistory.alias, env), eq(aliasHistory.toVersion, version))).limit(1);
  const [approved] = await db.select({ id: approvals.id }).from(approvals).where(and(eq(approvals.workflowId, row.source), eq(approvals.env, env), eq(approvals.decision, 'approve'))).limit(1);
  if (!served && !approved) problems.push(`v${version} was never approved for ${env}`);
  return problems;
}

/**
 * What `ferry rollback` may do: the caller must be in the environment's approval groups, and a `--to` version must have
 * been approved for that environment and not since rejected, rolled back or archived. An admin may override either
 * (break-glass): allowed, and audited as `rollback.break-glass` with what was overridden. Anyone else is refused,
 * audited as `rollback.refused`, with a FerryError naming the rule.
 */
export async function checkRollback(db: Executor, request: RollbackRequest): Promise<{ breakGlass: string[] }> {
  const { model, env, caller } = request;
  const [current] = await db.select({ version: aliases.version }).from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, env)));
  const problems = request.version === undefined ? [] : await versionProblems(db, model, env, request.version);
  const groups = await approvalGroups(db, model, env, request.version ?? current?.version ?? 0);
  if (groups.length > 0 && !groups.some((g) => caller.groups.includes(g))) problems.unshift(`${caller.name} is not a member of ${groups.join(' or ')}, whose members approve ${env}`);
  if (problems.length === 0) return { breakGlass: [] };
  const subject = { subjectKind: 'model', subjectId: model, reason: request.reason, details: { env, version: request.version ?? null, from: current?.version ?? null, problems } };
  if (hasRole(caller.roles, 'admin')) {
    await appendAudit(db, { actor: caller.name, action: 'rollback.break-glass', ...subject });
    return { breakGlass: problems };
  }
  await appendAudit(db, { actor: caller.name, action: 'rollback.refused', ...subject });
  throw new FerryError(`rollback of ${model} in ${env} refused: ${problems.join('; ')} (an admin may override it, audited as break-glass)`, { details: { problems } });
}
