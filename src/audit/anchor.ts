import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { inArray, desc } from 'drizzle-orm';
import { auditLog } from '../db/schema/index.js';
import { auditAnchor, auditCheckpointsQuery, type AuditCheckpoint } from '../../workflows/audit-anchor.js';
import type { Executor } from './executor.js';

/** The one anchor workflow per namespace. */
export const AUDIT_ANCHOR_ID = 'ferry-audit-anchor';

/** Starts the audit anchor workflow (once per namespace; an already running one is left as it is). */
export async function ensureAuditAnchor(client: Client, taskQueue: string, everyMs = 60_000): Promise<void> {
  try {
    await client.workflow.start(auditAnchor, { workflowId: AUDIT_ANCHOR_ID, taskQueue, args: [{ everyMs }], staticSummary: 'anchors the audit chain head outside Postgres' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The anchored checkpoints, or undefined when no anchor workflow exists in this namespace. */
export async function auditCheckpoints(client: Client): Promise<AuditCheckpoint[] | undefined> {
  try {
    return await client.workflow.getHandle(AUDIT_ANCHOR_ID).query(auditCheckpointsQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export type AnchorCheck = { ok: true; anchored: number; newest?: AuditCheckpoint } | { ok: false; firstBroken: { seq: number; reason: string } };

/**
 * Compares Postgres's chain with the checkpoints anchored in Temporal: an anchored record that is gone (removed, or a
 * truncated tail — named as the missing range) or whose hash differs (rewritten and rehashed) is reported, lowest
 * seq first. A chain that verifies by itself can still fail here: that is what the anchor is for.
 */
export async function checkAgainstCheckpoints(db: Executor, checkpoints: AuditCheckpoint[]): Promise<AnchorCheck> {
  if (checkpoints.length === 0) return { ok: true, anchored: 0 };
  const bySeq = new Map<number, AuditCheckpoint>();
  for (const c of checkpoints) if (!bySeq.has(c.seq)) bySeq.set(c.seq, c);
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  const rows = new Map((await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(inArray(auditLog.seq, seqs))).map((r) => [r.seq, r.hash]));
  const [head] = await db.select({ seq: auditLog.seq }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  const headSeq = head?.seq ?? 0;
  const when = (c: AuditCheckpoint) => new Date(c.at).toISOString();
  for (const seq of seqs) {
    const c = bySeq.get(seq)!;
    const hash = rows.get(seq);
    if (hash === undefined) {
      const newest = seqs[seqs.length - 1]!;
      if (seq > headSeq) return { ok: false, firstBroken: { seq: headSeq + 1, reason: `truncated tail: seqs ${headSeq + 1}–${newest} were anchored (last at ${when(bySeq.get(newest)!)}) and are missing` } };
      return { ok: false, firstBroken: { seq, reason: `record removed: seq ${seq} was anchored at ${when(c)} and is missing` } };
    }
    if (hash !== c.hash) return { ok: false, firstBroken: { seq, reason: `record rewritten: its hash differs from the one anchored at ${when(c)} (the chain was rehashed)` } };
  }
  return { ok: true, anchored: seqs.length, newest: bySeq.get(seqs[seqs.length - 1]!) };
}
