import { Context } from '@temporalio/activity';
import { appendAudit, type AuditEntry } from '../src/audit/index.js';
import { desc } from 'drizzle-orm';
import { auditLog } from '../src/db/schema/index.js';
import type { ActivityDeps } from './deps.js';

/**
 * The idempotency key of the running activity: workflow id + run id + activity id. Temporal keeps both across retries of
 * one activity call, so every attempt writes under the same key and a retry finds the first attempt's row.
 */
export function activityKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  // A standalone activity (no workflow) has a namespace-unique activity id of its own.
  // The run id too: promotion and monitor workflows reuse their workflow id (and continue-as-new restarts activity ids).
  return workflowExecution ? `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}` : `activity/${activityId}`;
}

/** Activities that append to the hash-chained audit log. */
export function createAuditActivities({ db }: ActivityDeps) {
  return {
    /** Appends one record (keyed by `idempotencyKey`, else workflow id + activity id) and returns its seq and hash. */
    /** The chain's head (last seq and hash), or null while the log is empty: what the audit anchor records. */
    async readAuditHead(): Promise<{ seq: number; hash: string } | null> {
      const [row] = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
      return row ?? null;
    },

    async appendAuditRecord(input: AuditEntry): Promise<{ seq: number; hash: string }> {
      const record = await appendAudit(db, { ...input, idempotencyKey: input.idempotencyKey ?? activityKey() });
      return { seq: record.seq, hash: record.hash };
    },
  };
}
