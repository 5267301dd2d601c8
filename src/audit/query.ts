import { and, desc, eq, gte, like, or, sql, type SQL } from 'drizzle-orm';
import { auditLog } from '../db/schema/index.js';
import type { AuditRecord } from './append.js';
import type { Executor } from './executor.js';

export interface AuditQuery {
  /** Records about this model: subject `name` or `name@…`, or `details.model` = name. */
  model?: string;
  since?: Date;
  actor?: string;
  /** An exact action, or a prefix ending in `*` (e.g. `deployment.*`). */
  action?: string;
  /** The newest `limit` matching records, returned oldest first. Default 100. */
  limit?: number;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Reads the audit log, filtered, newest `limit` records in seq order. */
export async function queryAudit(db: Executor, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const filters: (SQL | undefined)[] = [];
  if (query.model) {
    filters.push(
      or(eq(auditLog.subjectId, query.model), like(auditLog.subjectId, `${escapeLike(query.model)}@%`), sql`${auditLog.details}->>'model' = ${query.model}`),
    );
  }
  if (query.since) filters.push(gte(auditLog.at, query.since));
  if (query.actor) filters.push(eq(auditLog.actor, query.actor));
  if (query.action) {
    filters.push(query.action.endsWith('*') ? like(auditLog.action, `${escapeLike(query.action.slice(0, -1))}%`) : eq(auditLog.action, query.action));
  }
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.seq))
    .limit(query.limit ?? 100);
  return rows.reverse();
}
