import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import type { RegisterVersionInput } from '../../src/registry/index.js';

export const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A registration as a pipeline run would make it; `run` names the source workflow. */
export function registration(model: string, run: string, overrides: Partial<RegisterVersionInput> = {}): RegisterVersionInput {
  return {
    model,
    sourceWorkflowId: run,
    temporalRunId: `temporal-${run}`,
    pipeline: model,
    specHash: sha(`spec ${model}`),
    commit: sha(`commit ${run}`).slice(0, 40),
    params: { learningRate: 0.1, trees: 50 },
    seed: 42,
    metrics: { accuracy: 0.91, f1: 0.88 },
    gates: [{ gate: 'min(accuracy)', metric: 'accuracy', passed: true, value: 0.91, bound: 0.9, message: 'accuracy = 0.91 ≥ min 0.9' }],
    artifact: { sha256: sha(`artifact ${run}`), uri: `file:///tmp/artifacts/${run}.bin`, kind: 'model', size: 1234 },
    datasets: [
      { name: 'train', uri: 'data/train.csv', sha256: sha('train.csv'), rows: 1000 },
      { name: 'holdout', uri: 'data/holdout.csv', sha256: sha('holdout.csv'), rows: 200 },
    ],
    actor: 'ferry',
    ...overrides,
  };
}

export const uniqueRun = (prefix = 'run') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Row count of a table (by SQL name). */
export async function countRows(db: Db, table: string, where = sql`true`): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}`);
  return (result.rows[0] as { n: number }).n;
}

/** Runs `fn` with the audit log's append-only triggers off, as a superuser tampering behind Ferry's back would. */
export async function withTriggersDisabled(db: Db, fn: () => Promise<unknown>): Promise<void> {
  await db.execute(sql`alter table audit_log disable trigger user`);
  try {
    await fn();
  } finally {
    await db.execute(sql`alter table audit_log enable trigger user`);
  }
}
