import { asc, gt, sql } from 'drizzle-orm';
import { auditLog, auditMacFrom } from '../db/schema/index.js';
import type { Executor } from './executor.js';
import { auditHash, GENESIS_HASH } from './hash.js';
import { auditKey, auditMacValid, type AuditKey } from './key.js';

export interface AuditVerification {
  ok: boolean;
  /** Records checked before the first break (all of them when ok). */
  checked: number;
  /** The last intact record: compare it with a copy kept elsewhere to detect a truncated tail. */
  head?: { seq: number; hash: string };
  firstBroken?: { seq: number; reason: string };
}

const columns = {
  seq: auditLog.seq,
  at: auditLog.at,
  actor: auditLog.actor,
  action: auditLog.action,
  subjectKind: auditLog.subjectKind,
  subjectId: auditLog.subjectId,
  workflowId: auditLog.workflowId,
  temporalRunId: auditLog.temporalRunId,
  reason: auditLog.reason,
  details: auditLog.details,
  prevHash: auditLog.prevHash,
  hash: auditLog.hash,
  mac: auditLog.mac,
};

/** Why a record from `audit_mac_from` on is not Ferry's, or undefined when its MAC verifies. */
function macProblem(key: AuditKey | undefined, row: { seq: number; prevHash: string; hash: string; mac: string | null }): string | undefined {
  if (row.mac === null) return 'not written by Ferry: it has no audit MAC (a correctly hashed row INSERTed behind Ferry\'s back)';
  if (!key) return 'its audit MAC cannot be checked here: no audit key (set FERRY_AUDIT_SECRET, or run where FERRY_HOME/audit-key is)';
  if (!auditMacValid(key, row)) return `not written by Ferry: its audit MAC does not verify with the audit key (${key.source}); forged, rewritten with a recomputed hash, or appended by a process with another key`;
  return undefined;
}

/**
 * Recomputes the whole chain in seq order, `batchSize` rows at a time (keyset pagination: constant memory), and
 * names the first broken record: changed content (hash mismatch), a rewritten hash field, or a removed record
 * (a seq gap, or a prevHash that is not the previous record's hash), and, from the seq migration 0006 recorded in
 * `audit_mac_from` on, a record whose audit MAC is missing or wrong (not appended by Ferry; `key`: default this
 * process's audit key). Default batch: 5,000 rows.
 */
export async function verifyAuditChain(db: Executor, options: { batchSize?: number; key?: AuditKey } = {}): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 5_000;
  const key = options.key ?? auditKey({ create: false });
  // The smallest seq counts: a row someone adds there can only make the check stricter. None at all: every record.
  const [from] = await db.select({ seq: sql<number | null>`min(${auditMacFrom.seq})`.mapWith(Number) }).from(auditMacFrom);
  const macFrom = from?.seq || 1;
  const fetchAfter = (seq: number | undefined) =>
    db
      .select(columns)
      .from(auditLog)
      .where(seq === undefined ? undefined : gt(auditLog.seq, seq))
      .orderBy(asc(auditLog.seq))
      .limit(batchSize);
  let previous: { seq: number; hash: string } | undefined;
  let checked = 0;
  let pending = fetchAfter(undefined);
  for (;;) {
    const rows = await pending;
    const full = rows.length === batchSize;
    // Read the next batch while this one is hashed, so database time and hashing overlap.
    if (full) pending = fetchAfter(rows[rows.length - 1]!.seq);
    const broken = async (seq: number, reason: string): Promise<AuditVerification> => {
      if (full) await pending.catch(() => undefined);
      return { ok: false, checked, head: previous, firstBroken: { seq, reason } };
    };
    for (const row of rows) {
      const expectedSeq = (previous?.seq ?? 0) + 1;
      if (row.seq !== expectedSeq) {
        if (row.seq < expectedSeq) return broken(row.seq, `record inserted out of sequence (expected seq ${expectedSeq})`);
        const what = expectedSeq === row.seq - 1 ? `seq ${expectedSeq}` : `seqs ${expectedSeq}–${row.seq - 1}`;
        return broken(expectedSeq, `record removed (${what} missing before seq ${row.seq})`);
      }
      const computed = auditHash(row.prevHash, row);
      if (computed !== row.hash) {
        // The next record chains to what this one's hash was: if that equals the recomputed hash, only the hash field changed.
        const [next] = await db.select({ prevHash: auditLog.prevHash }).from(auditLog).where(gt(auditLog.seq, row.seq)).orderBy(asc(auditLog.seq)).limit(1);
        return broken(row.seq, next?.prevHash === computed ? 'hash field rewritten (content intact)' : 'content changed (hash mismatch)');
      }
      const expectedPrev = previous?.hash ?? GENESIS_HASH;
      if (row.prevHash !== expectedPrev) {
        if (!previous) return broken(row.seq, 'prev_hash of the first record is not the genesis hash (earlier records removed?)');
        // This record is consistent in itself, so the previous one was rewritten along with its hash (or removed and re-numbered).
        return broken(previous.seq, `record rewritten with a new hash (seq ${row.seq}'s prev_hash does not match it)`);
      }
      const forged = row.seq >= macFrom ? macProblem(key, row) : undefined;
      if (forged) return broken(row.seq, forged);
      previous = { seq: row.seq, hash: row.hash };
      checked += 1;
    }
    if (!full) return { ok: true, checked, head: previous };
  }
}
