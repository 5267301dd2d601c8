import { and, asc, count, desc, eq, max } from 'drizzle-orm';
import type { Executor } from '../audit/executor.js';
import { aliases, modelVersions, models } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import type { ModelVersionRow } from './register.js';

/**
 * A version by number (`3`), alias (`production`) or `latest`; undefined when there is none.
 * @example await getVersion(db, 'churn', 'production')
 */
export async function getVersion(db: Executor, model: string, versionOrAlias: number | string): Promise<ModelVersionRow | undefined> {
  const ref = typeof versionOrAlias === 'string' && /^\d+$/.test(versionOrAlias) ? Number(versionOrAlias) : versionOrAlias;
  if (ref === 'latest') {
    const [row] = await db.select().from(modelVersions).where(eq(modelVersions.model, model)).orderBy(desc(modelVersions.version)).limit(1);
    return row;
  }
  if (typeof ref === 'number') {
    const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, ref)));
    return row;
  }
  const [row] = await db
    .select({ v: modelVersions })
    .from(aliases)
    .innerJoin(modelVersions, and(eq(modelVersions.model, aliases.model), eq(modelVersions.version, aliases.version)))
    .where(and(eq(aliases.model, model), eq(aliases.alias, ref)));
  return row?.v;
}

/** Like `getVersion`, but a missing model, version or alias is an error naming it and the command that lists them. */
export async function requireVersion(db: Executor, model: string, versionOrAlias: number | string): Promise<ModelVersionRow> {
  const row = await getVersion(db, model, versionOrAlias);
  if (row) return row;
  const [known] = await db.select({ name: models.name }).from(models).where(eq(models.name, model));
  if (!known) throw new FerryError(`model ${model} is not registered; list models with 'ferry models'`);
  const what = typeof versionOrAlias === 'number' || /^\d+$/.test(versionOrAlias) ? `version ${versionOrAlias}` : `alias ${versionOrAlias}`;
  throw new FerryError(`model ${model} has no ${what}; list its versions and aliases with 'ferry models ${model}'`);
}

export interface ModelSummary {
  name: string;
  owner: string | null;
  description: string | null;
  versions: number;
  latest: number | null;
  aliases: Record<string, number>;
  createdAt: Date;
}

/** Every registered model with its version count, newest version and aliases. */
export async function listModels(db: Executor): Promise<ModelSummary[]> {
  const [rows, aliasRows] = await Promise.all([
    db
      .select({ name: models.name, owner: models.owner, description: models.description, createdAt: models.createdAt, versions: count(modelVersions.id), latest: max(modelVersions.version) })
      .from(models)
      .leftJoin(modelVersions, eq(modelVersions.model, models.name))
      .groupBy(models.name)
      .orderBy(asc(models.name)),
    db.select().from(aliases).orderBy(asc(aliases.alias)),
  ]);
  return rows.map((r) => ({
    ...r,
    aliases: Object.fromEntries(aliasRows.filter((a) => a.model === r.name).map((a) => [a.alias, a.version])),
  }));
}

/** A model's versions, newest first, each with the aliases pointing at it. */
export async function listVersions(db: Executor, model: string, limit = 50): Promise<(ModelVersionRow & { aliases: string[] })[]> {
  const [rows, aliasRows] = await Promise.all([
    db.select().from(modelVersions).where(eq(modelVersions.model, model)).orderBy(desc(modelVersions.version)).limit(limit),
    db.select().from(aliases).where(eq(aliases.model, model)).orderBy(asc(aliases.alias)),
  ]);
  return rows.map((r) => ({ ...r, aliases: aliasRows.filter((a) => a.version === r.version).map((a) => a.alias) }));
}

/** Metrics of the version the `production` alias points at (the champion gates compare against), or undefined. */
export async function productionMetrics(db: Executor, model: string): Promise<{ version: number; metrics: Record<string, number> } | undefined> {
  const row = await getVersion(db, model, 'production');
  return row ? { version: row.version, metrics: row.metrics } : undefined;
}
