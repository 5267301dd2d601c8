import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { signingKeys } from '../db/schema/index.js';
import { UsageError } from '../core/errors.js';
import type { FerryEnv } from '../settings.js';

/**
 * One signing identity per deployment, not per worker. On a shared Temporal cluster (`TEMPORAL_ADDRESS` set) every
 * worker is configured with the key id of the deployment's signing key (`FERRY_VERIFY_KEY`) instead of trusting
 * whatever key the machine it runs on happens to hold or make: a worker without one refuses to start, and one pinned
 * to a revoked key too. The embedded default (`ferry dev`, no `TEMPORAL_ADDRESS`) keeps its generated key.
 * Returns the pinned key id, and a warning when Postgres does not know it yet (it is registered by the first process
 * that signs with it, e.g. `ferry webhook`).
 */
export async function checkVerificationKey(db: Db, env: Pick<FerryEnv, 'TEMPORAL_ADDRESS' | 'FERRY_VERIFY_KEY'>): Promise<{ keyId?: string; warning?: string }> {
  const keyId = requireVerificationKey(env);
  if (!keyId) return {};
  const [row] = await db.select().from(signingKeys).where(eq(signingKeys.keyId, keyId));
  if (row?.revokedAt) throw new UsageError(`FERRY_VERIFY_KEY=${keyId}: that key (${row.kind} ${row.owner}) was revoked at ${row.revokedAt.toISOString()}; set it to the deployment's current key id`);
  return row ? { keyId } : { keyId, warning: `FERRY_VERIFY_KEY=${keyId} is not registered in Postgres yet; it is once the deployment's first signer (e.g. ferry webhook) starts with it` };
}

/** The pinned key id on a cluster (undefined for the embedded default); checked before anything is connected. */
export function requireVerificationKey(env: Pick<FerryEnv, 'TEMPORAL_ADDRESS' | 'FERRY_VERIFY_KEY'>): string | undefined {
  if (!env.TEMPORAL_ADDRESS) return undefined;
  const keyId = env.FERRY_VERIFY_KEY;
  if (!keyId) {
    throw new UsageError(
      `FERRY_VERIFY_KEY is not set: a worker on a shared Temporal cluster (TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS}) needs the deployment's verification key; set FERRY_VERIFY_KEY to its key id (ed25519:…, printed by 'ferry users key') on every worker`,
    );
  }
  return keyId;
}
