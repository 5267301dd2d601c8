import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a record's hash covers: every stored field except the chain fields and the idempotency key. */
export interface AuditContent {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subjectKind: string;
  subjectId: string;
  workflowId: string | null;
  temporalRunId: string | null;
  reason: string | null;
  details: unknown;
}

/** The RFC 8785 canonical JSON of a record's content (the `canonicalize` package's output for it). */
export function canonicalContent(c: AuditContent): string {
  const details = canonicalize(c.details);
  if (details === undefined) throw new TypeError(`audit record seq ${c.seq}: details have no JSON form`);
  const q = JSON.stringify;
  // Verification hashes every record, so the fixed fields are written out directly, keys in RFC 8785 order
  // (UTF-16 code units); strings and numbers serialise exactly as canonicalize serialises them (JSON.stringify).
  // test/audit/hash.test.ts checks this against canonicalize() of the whole object.
  return (
    `{"action":${q(c.action)},"actor":${q(c.actor)},"at":${q(c.at.toISOString())},"details":${details},"reason":${q(c.reason)},` +
    `"seq":${q(c.seq)},"subjectId":${q(c.subjectId)},"subjectKind":${q(c.subjectKind)},"temporalRunId":${q(c.temporalRunId)},"workflowId":${q(c.workflowId)}}`
  );
}

/** sha256(prevHash + RFC 8785 canonical JSON of the content), hex. `at` is hashed as its ISO form (ms precision). */
export function auditHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256').update(prevHash).update(canonicalContent(content)).digest('hex');
}
