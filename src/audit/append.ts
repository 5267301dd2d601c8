import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '../db/schema/index.js';
import { ACTION_PATTERN, type AuditAction } from './actions.js';
import type { Executor } from './executor.js';
import { auditHash, GENESIS_HASH } from './hash.js';
import { auditKey, auditMac } from './key.js';

// Any constant works; it only has to be the same in every Ferry process appending to one database.
const AUDIT_LOCK = 0x61756469;

export const auditEntrySchema = z.object({
  actor: z.string().min(1, 'expected who acted (a user name, or "ferry" for the system)'),
  action: z.string().regex(ACTION_PATTERN, 'expected a dotted action name such as "alias.moved"'),
  subjectKind: z.string().min(1),
  subjectId: z.string().min(1),
  workflowId: z.string().min(1).optional(),
  temporalRunId: z.string().min(1).optional(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).default({}),
  /** Workflow id + activity id, or a natural key: a second append with the same key returns the first record. */
  idempotencyKey: z.string().min(1).optional(),
});

export type AuditEntry = Omit<z.input<typeof auditEntrySchema>, 'action'> & { action: AuditAction | (string & {}) };
export type AuditRecord = typeof auditLog.$inferSelect;

/**
 * Appends one record to the hash chain and returns it. Appends are serialised by a transaction-scoped advisory lock,
 * so concurrent writers (any process) never fork the chain; `seq` is allocated under that lock rather than by the
 * sequence, because a rolled-back nextval would leave a gap that `verifyAuditChain` must report as a removed record.
 * Pass a transaction as `db` to make the record part of a larger write (it commits or rolls back with it).
 * Every record carries the audit key's MAC over (seq, prevHash, hash) (src/audit/key.ts): Ferry's proof it wrote it.
 */
export async function appendAudit(db: Executor, entry: AuditEntry): Promise<AuditRecord> {
  const input = auditEntrySchema.parse(entry);
  // jsonb drops undefined and re-orders keys: hash exactly what reading the row back will give.
  const details = JSON.parse(JSON.stringify(input.details)) as Record<string, unknown>;
  const key = auditKey()!;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    if (input.idempotencyKey) {
      const [existing] = await tx.select().from(auditLog).where(eq(auditLog.idempotencyKey, input.idempotencyKey));
      if (existing) return existing;
    }
    const [last] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    const prevHash = last?.hash ?? GENESIS_HASH;
    const content = {
      seq: (last?.seq ?? 0) + 1,
      // Chosen here, at ms precision (the column's), so the hash covers exactly what is stored.
      at: new Date(),
      actor: input.actor,
      action: input.action,
      subjectKind: input.subjectKind,
      subjectId: input.subjectId,
      workflowId: input.workflowId ?? null,
      temporalRunId: input.temporalRunId ?? null,
      reason: input.reason ?? null,
      details,
    };
    const hash = auditHash(prevHash, content);
    const mac = auditMac(key, { seq: content.seq, prevHash, hash });
    const [row] = await tx
      .insert(auditLog)
      .values({ ...content, idempotencyKey: input.idempotencyKey ?? null, prevHash, hash, mac })
      .returning();
    return row!;
  });
}
