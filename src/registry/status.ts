import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/append.js';
import type { Executor } from '../audit/executor.js';
import { modelVersions } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { lockModel } from './lock.js';
import { setVersionStatusInputSchema, type SetVersionStatusInput } from './schemas.js';

/**
 * Sets a version's status (registered, approved, rejected, rolled-back, archived) and audits the change as
 * `model.status-changed`. Setting the status it already has writes nothing.
 */
export async function setVersionStatus(db: Executor, input: SetVersionStatusInput): Promise<{ from: string; to: string; changed: boolean }> {
  const s = setVersionStatusInputSchema.parse(input);
  return db.transaction(async (tx) => {
    await lockModel(tx, s.model);
    const where = and(eq(modelVersions.model, s.model), eq(modelVersions.version, s.version));
    const [row] = await tx.select({ status: modelVersions.status }).from(modelVersions).where(where);
    if (!row) throw new FerryError(`model ${s.model} has no version ${s.version}; list its versions with 'ferry models ${s.model}'`);
    if (row.status === s.status) return { from: row.status, to: s.status, changed: false };
    await tx.update(modelVersions).set({ status: s.status }).where(where);
    await appendAudit(tx, {
      actor: s.actor,
      action: 'model.status-changed',
      subjectKind: 'model-version',
      subjectId: `${s.model}@${s.version}`,
      workflowId: s.workflowId,
      reason: s.reason,
      details: { model: s.model, version: s.version, from: row.status, to: s.status },
      idempotencyKey: s.idempotencyKey ? `model.status-changed:${s.idempotencyKey}` : undefined,
    });
    return { from: row.status, to: s.status, changed: true };
  });
}
