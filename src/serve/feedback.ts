import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { feedback } from '../db/schema/index.js';
import type { FeedbackBody } from './schemas.js';

/**
 * Stores ground truth by request id. Idempotent: re-sending a label changes nothing, and a corrected label replaces
 * the old one (the time it first arrived is kept).
 */
export async function recordFeedback(db: Db, body: FeedbackBody): Promise<{ accepted: number }> {
  // Last label wins within one request, so the upsert never touches a row twice.
  const byId = new Map(body.feedback.map((f) => [f.requestId, f.label]));
  await db
    .insert(feedback)
    .values([...byId].map(([requestId, label]) => ({ requestId, label: label as object })))
    .onConflictDoUpdate({ target: feedback.requestId, set: { label: sql`excluded.label` } });
  return { accepted: byId.size };
}
