import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { experiments as experimentsTable } from '../../db/schema/index.js';
import { UsageError } from '../../core/errors.js';
import { withDatabase } from '../db-session.js';
import { printJson, printTable } from '../output.js';

const limitSchema = z.coerce.number().int().min(1);

/** `ferry experiments <pipeline>`: the pipeline's runs side by side, one column per param (`p.`) and metric (`m.`). */
export async function experiments(pipeline: string, opts: { format: string; limit: string }): Promise<void> {
  const limit = limitSchema.safeParse(opts.limit);
  if (!limit.success) throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 1`);
  await withDatabase(async ({ database: { db } }) => {
    const rows = (await db.select().from(experimentsTable).where(eq(experimentsTable.pipeline, pipeline)).orderBy(desc(experimentsTable.createdAt)).limit(limit.data)).reverse();
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) throw new UsageError(`pipeline ${pipeline}: no experiments recorded; start a run with 'ferry run pipelines/${pipeline}.ts'`);
    const params = [...new Set(rows.flatMap((r) => Object.keys(r.params as Record<string, unknown>)))].sort();
    const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort();
    const table = rows.map((r) => ({
      run: r.workflowId,
      commit: r.commit?.slice(0, 12),
      seed: r.seed,
      ...Object.fromEntries(params.map((p) => [`p.${p}`, stringify((r.params as Record<string, unknown>)[p])])),
      ...Object.fromEntries(metrics.map((m) => [`m.${m}`, r.metrics[m]])),
      created: r.createdAt,
    }));
    printTable(table, ['run', 'commit', 'seed', ...params.map((p) => `p.${p}`), ...metrics.map((m) => `m.${m}`), 'created']);
  });
}

const stringify = (v: unknown) => (v === undefined ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v));
