import { and, desc, eq, notInArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/append.js';
import type { Executor } from '../audit/executor.js';
import { aliases, aliasHistory, modelVersions } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { lockModel } from './lock.js';
import { moveAliasInputSchema, type MoveAliasInput } from './schemas.js';

export type AliasMove = typeof aliasHistory.$inferSelect;

/**
 * Points an alias at a version: updates `aliases`, appends to `alias_history` and the audit log, all in one
 * transaction. Idempotent by `idempotencyKey`: a retried move returns the first move's `fromVersion`.
 */
export async function moveAlias(db: Executor, input: MoveAliasInput): Promise<{ fromVersion: number | null; toVersion: number; moved: boolean }> {
  const m = moveAliasInputSchema.parse(input);
  return db.transaction(async (tx) => {
    await lockModel(tx, m.model);
    const [done] = await tx.select().from(aliasHistory).where(eq(aliasHistory.idempotencyKey, m.idempotencyKey));
    if (done) return { fromVersion: done.fromVersion, toVersion: done.toVersion, moved: false };
    const [target] = await tx
      .select({ version: modelVersions.version })
      .from(modelVersions)
      .where(and(eq(modelVersions.model, m.model), eq(modelVersions.version, m.toVersion)));
    if (!target) throw new FerryError(`model ${m.model} has no version ${m.toVersion}; list its versions with 'ferry models ${m.model}'`);
    const [current] = await tx
      .select({ version: aliases.version })
      .from(aliases)
      .where(and(eq(aliases.model, m.model), eq(aliases.alias, m.alias)));
    const fromVersion = current?.version ?? null;
    await tx
      .insert(aliases)
      .values({ model: m.model, alias: m.alias, version: m.toVersion })
      .onConflictDoUpdate({ target: [aliases.model, aliases.alias], set: { version: m.toVersion, updatedAt: sql`now()` } });
    await tx.insert(aliasHistory).values({
      model: m.model,
      alias: m.alias,
      fromVersion,
      toVersion: m.toVersion,
      actor: m.actor,
      reason: m.reason,
      workflowId: m.workflowId,
      idempotencyKey: m.idempotencyKey,
    });
    await appendAudit(tx, {
      actor: m.actor,
      action: m.action,
      subjectKind: 'alias',
      subjectId: `${m.model}@${m.alias}`,
      workflowId: m.workflowId,
      temporalRunId: m.temporalRunId,
      reason: m.reason,
      details: { model: m.model, alias: m.alias, fromVersion, toVersion: m.toVersion },
      idempotencyKey: `${m.action}:${m.idempotencyKey}`,
    });
    return { fromVersion, toVersion: m.toVersion, moved: true };
  });
}

/** Every move of a model's aliases (or of one alias), oldest first. */
export async function aliasHistoryOf(db: Executor, model: string, alias?: string): Promise<AliasMove[]> {
  return db
    .select()
    .from(aliasHistory)
    .where(and(eq(aliasHistory.model, model), alias ? eq(aliasHistory.alias, alias) : undefined))
    .orderBy(aliasHistory.id);
}

/** Statuses a rollback must not return to. */
export const UNFIT = ['rejected', 'rolled-back', 'archived'];

/**
 * The version a rollback of `alias` should return to: the most recent version the alias pointed at before its current
 * one, skipping versions since marked rejected, rolled-back or archived (so rolling back twice does not return to the
 * version the first rollback left). Undefined when the alias never pointed anywhere else.
 */
export async function previousApprovedVersion(db: Executor, model: string, alias: string): Promise<number | undefined> {
  const [current] = await db.select({ version: aliases.version }).from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, alias)));
  if (!current) return undefined;
  const [row] = await db
    .select({ version: aliasHistory.toVersion })
    .from(aliasHistory)
    .innerJoin(modelVersions, and(eq(modelVersions.model, aliasHistory.model), eq(modelVersions.version, aliasHistory.toVersion)))
    .where(
      and(
        eq(aliasHistory.model, model),
        eq(aliasHistory.alias, alias),
        sql`${aliasHistory.toVersion} <> ${current.version}`,
        notInArray(modelVersions.status, UNFIT),
      ),
    )
    .orderBy(desc(aliasHistory.id))
    .limit(1);
  return row?.version;
}
