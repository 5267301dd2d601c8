import { sql } from 'drizzle-orm';
import type { Executor } from '../audit/executor.js';

// Lock class for registry writes; the second key is the model name's hash, so different models never wait on each other.
const REGISTRY_LOCK = 0x72656769;

/**
 * Serialises registry writes to one model until the transaction ends (version numbering, alias moves).
 * Lock order everywhere: model lock, then the audit lock (taken by appendAudit), so writers cannot deadlock.
 */
export async function lockModel(tx: Executor, model: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${REGISTRY_LOCK}::int, hashtext(${model}))`);
}
