import { bigserial, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The append-only audit log. `hash` = sha256(prevHash + canonical JSON of the record's content); a trigger refuses
 * UPDATE and DELETE, and `ferry audit verify` recomputes the chain.
 */
export const auditLog = pgTable('audit_log', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subjectKind: text('subject_kind').notNull(),
  subjectId: text('subject_id').notNull(),
  workflowId: text('workflow_id'),
  temporalRunId: text('temporal_run_id'),
  reason: text('reason'),
  details: jsonb('details').notNull().default({}),
  /** Workflow id + activity id, or a natural key: a retried append is written once. */
  idempotencyKey: text('idempotency_key').unique(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull().unique(),
});
