import { bigint, bigserial, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

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
  /**
   * HMAC-SHA256 over (seq, prevHash, hash) with the audit key, which only Ferry's processes hold (FERRY_AUDIT_SECRET or
   * FERRY_HOME/audit-key, never Postgres): a correctly hashed row INSERTed by someone else has none that verifies.
   * Null on records written before migration 0006 (`audit_mac_from` says from which seq one is required).
   */
  mac: text('mac'),
});

/** From which seq every audit record must carry a MAC: set once by migration 0006 (the first seq after the old rows). */
export const auditMacFrom = pgTable('audit_mac_from', {
  seq: bigint('seq', { mode: 'number' }).notNull(),
});
