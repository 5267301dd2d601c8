import { runStartClaimSchema, type RunStartAttestation, type RunStartClaim } from '../core/run-start.js';
import type { Executor } from '../audit/index.js';
import type { Signer } from '../auth/attest.js';
import { signPayload, verifyPayload } from '../auth/keys.js';
import { findUser } from '../auth/lookup.js';
import { hasRole } from '../auth/roles.js';
import { activeKey, ensureKey } from '../auth/signing-keys.js';
import { userCount } from '../auth/users.js';
import { canonicalHash } from '../dsl/hash.js';
import type { PipelineSpec } from '../core/spec.js';
import { FerryError } from '../core/errors.js';
import { assertPolicies } from '../policy/index.js';
import { firstIssue } from '../dsl/issues.js';

export { runStartClaimSchema, type RunStartAttestation, type RunStartClaim };

/**
 * Signed run starts. Whoever starts `pipelineRun` — `ferry run` (the person's own key), the push webhook (its service
 * key), a schedule (its creator's key, once, when the schedule is added) — signs who, what (spec hash, ref, queue),
 * the policy verdict and when. The workflow verifies it in a local activity before any step runs, so a run started
 * straight in Temporal with a forged `triggeredBy` (or an altered spec) runs nothing, and is audited.
 */
/** Signs a run start; `claim` without `kind`, `policy`, `at` and `keyId`, which this fills in. */
export function signRunStart(signer: Signer, claim: Omit<RunStartClaim, 'kind' | 'policy' | 'at' | 'keyId'>, now = new Date()): RunStartAttestation {
  const full = runStartClaimSchema.parse(JSON.parse(JSON.stringify({ ...claim, kind: 'run-start', policy: 'passed', at: now.toISOString(), keyId: signer.keyId })));
  return { claim: full, signature: signPayload(signer.privateKey, full) };
}

export interface RunStartFacts {
  workflowId: string;
  /** When Temporal started the run (ms since the epoch). */
  startedAt: number;
  /** Set when another workflow started this one (a monitor's retrain). */
  parentWorkflowId?: string;
  spec: PipelineSpec;
  specHash: string;
  trigger: string;
  triggeredBy?: string;
  ref?: string;
  taskQueue: string;
  attestation?: RunStartAttestation;
}

export type RunStartVerification = { ok: true; signer?: string } | { ok: false; reason: string };

const MAX_START_SKEW_MS = 10 * 60_000;
const refused = (reason: string): RunStartVerification => ({ ok: false, reason: `run start refused: ${reason}` });

/**
 * Checks a run's start: a valid signature by a registered key entitled to it, over exactly this run's inputs, and the
 * submission policies again (the signer's verdict is not trusted). Runs another Ferry workflow started (retrains)
 * pass on their parent's verification.
 */
export async function verifyRunStart(db: Executor, facts: RunStartFacts, cwd: string): Promise<RunStartVerification> {
  if (canonicalHash(facts.spec) !== facts.specHash) return refused('the spec does not match its spec hash (altered after submission)');
  if (facts.parentWorkflowId && facts.trigger === 'retrain') return checkPolicies(facts, cwd, undefined);
  if (!facts.attestation) {
    // A fresh embedded install with no users yet runs as the local admin (src/auth/identify.ts): nothing to sign with.
    if ((await userCount(db)) === 0) return checkPolicies(facts, cwd, undefined);
    return refused('it is not signed; start runs with ferry run, the push webhook or ferry schedule');
  }
  const parsed = runStartClaimSchema.safeParse(facts.attestation.claim);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, facts.attestation.claim);
    return refused(`malformed start attestation (${issue.path}: ${issue.message})`);
  }
  const claim = parsed.data;
  const key = await activeKey(db, claim.keyId);
  if (!key) return refused(`key ${claim.keyId} is not registered or was revoked`);
  if (!verifyPayload(key.publicKey, claim, facts.attestation.signature)) return refused(`the signature does not match key ${claim.keyId}`);
  const mismatch = (['specHash', 'trigger', 'triggeredBy', 'ref', 'taskQueue'] as const).find((f) => (claim[f] ?? null) !== (facts[f] ?? null));
  if (mismatch) return refused(`${mismatch} differs from what was signed`);
  if (claim.workflowId) {
    if (claim.workflowId !== facts.workflowId) return refused(`signed for run ${claim.workflowId}, not ${facts.workflowId}`);
    if (Math.abs(facts.startedAt - Date.parse(claim.at)) > MAX_START_SKEW_MS) return refused(`signed at ${claim.at}, more than 10 minutes from the run's start`);
  } else if (!(claim.trigger === 'schedule' && claim.scheduleId && facts.workflowId.startsWith(`${claim.scheduleId}-`))) {
    return refused('a start signed without a run id is valid only for runs of the schedule it names');
  }
  if (key.kind === 'user') {
    if (key.owner !== claim.triggeredBy) return refused(`key ${claim.keyId} belongs to ${key.owner}, not ${claim.triggeredBy ?? 'nobody'}`);
    const user = await findUser(db, key.owner);
    if (!user || user.disabled) return refused(`${key.owner} is ${user ? 'disabled' : 'not a Ferry user'}`);
    if (!hasRole(user.roles, 'engineer')) return refused(`${key.owner} no longer has the engineer role needed to start runs`);
  } else if (!(key.kind === 'service' && key.owner === 'webhook' && claim.trigger === 'push')) {
    return refused(`key ${claim.keyId} (${key.kind} ${key.owner}) cannot start ${claim.trigger} runs`);
  }
  return checkPolicies(facts, cwd, key.owner);
}

async function checkPolicies(facts: RunStartFacts, cwd: string, signer: string | undefined): Promise<RunStartVerification> {
  try {
    await assertPolicies(facts.spec, facts.spec.name, cwd, { phase: 'submit', author: facts.triggeredBy });
  } catch (err) {
    if (err instanceof FerryError && err.details.policy) return refused(`submission policies: ${err.message}`);
    throw err;
  }
  return { ok: true, ...(signer ? { signer } : {}) };
}

/**
 * The key a person's run starts are signed with: their own (created and registered on first use), or none for the
 * local admin of an install without users (src/auth/identify.ts), whose starts the workflow accepts unsigned.
 */
export async function startSigner(db: Executor, user: { name: string; local?: boolean }, ferryHome?: string): Promise<Signer | undefined> {
  if (user.local) return undefined;
  return ensureKey(db, user.name, 'user', { ferryHome });
}
