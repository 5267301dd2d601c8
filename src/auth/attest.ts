import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Executor } from '../audit/index.js';
import { findUser, userBySlackIdAny } from './lookup.js';
import { signPayload, verifyPayload } from './keys.js';
import type { FerryUser } from './roles.js';
import { activeKey } from './signing-keys.js';

/**
 * Attested decisions: each approve/reject is signed with an Ed25519 key — the approver's own (CLI), or the Slack app's
 * service key stating the Slack member it verified — and the workflow verifies it in a local activity against the
 * public keys in Postgres. Workers hold no private key, so nothing a pipeline step can reach signs a decision; and
 * the approver's roles, groups and enabled state come from Postgres at verification time, never from the decision.
 */

export const attestedDecisionSchema = z.strictObject({
  workflowId: z.string().min(1),
  env: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  approver: z.string().min(1),
  /** When the entry point signed it (ISO 8601); verification refuses stale ones. */
  at: z.iso.datetime({ offset: true }),
  comment: z.string().optional(),
  /** Which key signed it (`signing_keys.key_id`). */
  keyId: z.string().min(1),
  /** The entry point: `cli`, `slack`. */
  via: z.string().min(1),
  /** With a Slack service key: the Slack member the app verified (must map to `approver`). */
  slackUserId: z.string().min(1).optional(),
});
export type AttestedDecision = z.input<typeof attestedDecisionSchema>;

/** A private key and its registered id: what an entry point signs with. */
export interface Signer {
  keyId: string;
  privateKey: KeyObject;
}

/** Default freshness window: long enough for a slow Update round-trip, short enough to make replays useless. */
export const DEFAULT_MAX_AGE_MINUTES = 10;
// A signer's clock may run slightly ahead of the verifier's.
const MAX_CLOCK_SKEW_MS = 60_000;

/** Ed25519 signature (base64) over the canonical JSON (RFC 8785) of the decision. */
export function signDecision(signer: Signer, decision: Omit<AttestedDecision, 'keyId'>): { decision: AttestedDecision; signature: string } {
  const signed = attestedDecisionSchema.parse({ ...decision, keyId: signer.keyId });
  return { decision: signed, signature: signPayload(signer.privateKey, signed) };
}

export type DecisionVerification =
  | { ok: true; approver: Pick<FerryUser, 'name' | 'roles' | 'groups'> }
  /** `forgery`: the signature itself is bad (unsigned, unknown key, wrong key for the name) — audited as a forgery attempt. */
  | { ok: false; reason: string; forgery?: boolean };

const forged = (reason: string): DecisionVerification => ({ ok: false, forgery: true, reason: `forged or unsigned decision refused: ${reason}` });

/**
 * Verifies a decision's signature, freshness and signer, then looks the approver up: returns their roles and groups
 * as Postgres has them now. Refuses a disabled or unknown approver. Run it where the clock is real (an activity).
 */
export async function verifyDecision(
  db: Executor,
  raw: unknown,
  signature: string,
  options: { now?: Date; maxAgeMinutes?: number } = {},
): Promise<DecisionVerification> {
  const parsed = attestedDecisionSchema.safeParse(raw);
  if (!parsed.success) {
    const legacy = typeof raw === 'object' && raw !== null && !('keyId' in raw) && /^[0-9a-f]{64}$/.test(signature);
    return forged(legacy ? 'it carries a shared-key (HMAC) attestation, which no longer authorises decisions; approve with ferry approve or from Slack' : 'it is not signed by a registered key; approve with ferry approve or from Slack');
  }
  const decision = parsed.data;
  const key = await activeKey(db, decision.keyId);
  if (!key) return forged(`key ${decision.keyId} is not registered or was revoked`);
  if (!verifyPayload(key.publicKey, decision, signature)) return forged(`the signature does not match key ${decision.keyId}`);
  let name = decision.approver;
  if (key.kind === 'user') {
    if (key.owner !== decision.approver) return forged(`key ${decision.keyId} belongs to ${key.owner}, not ${decision.approver}`);
  } else if (key.kind === 'service' && key.owner === 'slack' && decision.via === 'slack' && decision.slackUserId) {
    const member = await userBySlackIdAny(db, decision.slackUserId);
    if (!member || member.name !== decision.approver) return forged(`Slack member ${decision.slackUserId} is not Ferry user ${decision.approver}`);
    name = member.name;
  } else {
    return forged(`key ${decision.keyId} (${key.kind} ${key.owner}) cannot sign decisions via ${decision.via}`);
  }
  const now = (options.now ?? new Date()).getTime();
  const at = Date.parse(decision.at);
  const maxAge = (options.maxAgeMinutes ?? DEFAULT_MAX_AGE_MINUTES) * 60_000;
  if (at > now + MAX_CLOCK_SKEW_MS) return { ok: false, reason: `the decision is dated in the future (${decision.at}); check the signer's clock` };
  if (now - at > maxAge) return { ok: false, reason: `the decision was signed at ${decision.at}, more than ${options.maxAgeMinutes ?? DEFAULT_MAX_AGE_MINUTES} minutes ago; decide again` };
  const user = await findUser(db, name);
  if (!user) return { ok: false, reason: `approver ${name} is not a Ferry user` };
  if (user.disabled) return { ok: false, reason: `approver ${name} is disabled; an admin can run 'ferry users enable ${name}'` };
  return { ok: true, approver: { name: user.name, roles: user.roles, groups: user.groups } };
}
