import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { listModels, listVersions, modelNameSchema } from '../../registry/index.js';
import { withDatabase } from '../db-session.js';
import { printJson, printTable } from '../output.js';

const limitSchema = z.coerce.number().int().min(1);
const metricsText = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ');

/** `ferry models [name]`: the registry's models, or one model's versions (newest first). */
export async function models(name: string | undefined, opts: { format: string; limit: string }): Promise<void> {
  const limit = limitSchema.safeParse(opts.limit);
  if (!limit.success) throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 1`);
  if (name !== undefined && !modelNameSchema.safeParse(name).success) throw new UsageError(`model "${name}": expected a model name such as churn-model`);
  await withDatabase(async ({ database: { db } }) => {
    if (!name) {
      const rows = await listModels(db);
      if (opts.format === 'json') return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('No models registered yet. A pipeline run registers one after its gates pass.\n');
      return printTable(
        rows.map((r) => ({ ...r, aliases: Object.entries(r.aliases).map(([a, v]) => `${a}=${v}`).join(' '), created: r.createdAt })),
        ['name', 'owner', 'versions', 'latest', 'aliases', 'created'],
      );
    }
    const rows = await listVersions(db, name, limit.data);
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) throw new UsageError(`model ${name} has no versions; list models with 'ferry models'`);
    printTable(
      rows.map((r) => ({ version: r.version, status: r.status, aliases: r.aliases.join(' '), commit: r.commit.slice(0, 12), metrics: metricsText(r.metrics), run: r.sourceWorkflowId, created: r.createdAt })),
      ['version', 'status', 'aliases', 'commit', 'metrics', 'run', 'created'],
    );
  });
}
