import { and, eq, isNull, ne } from 'drizzle-orm';
import { appendAudit, type Executor } from '../audit/index.js';
import { signingKeys } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { keyIdOf, loadOrCreateKey, rotateOwnKey, type KeyLocation, type KeyPair } from './keys.js';

export type KeyKind = 'user' | 'service';
export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** Registers a public key for `owner` (idempotent on the key id) and audits it; returns the key id. */
export async function registerKey(db: Executor, input: { owner: string; kind: KeyKind; publicKey: string; by: string }): Promise<string> {
  const keyId = keyIdOf(input.publicKey);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(signingKeys).where(eq(signingKeys.keyId, keyId));
    if (existing) {
      if (existing.owner !== input.owner || existing.kind !== input.kind) throw new FerryError(`key ${keyId} is already registered to ${existing.kind} ${existing.owner}`);
      if (existing.revokedAt) throw new FerryError(`key ${keyId} of ${input.owner} was revoked at ${existing.revokedAt.toISOString()}; make a new one with 'ferry users key'`);
      return keyId;
    }
    await tx.insert(signingKeys).values({ keyId, owner: input.owner, kind: input.kind, publicKey: input.publicKey, createdBy: input.by });
    await appendAudit(tx, { actor: input.by, action: 'key.registered', subjectKind: input.kind === 'user' ? 'user' : 'service', subjectId: input.owner, details: { keyId } });
    return keyId;
  });
}

/** Revokes `owner`'s active keys (all but `except`), audited; returns how many. */
export async function revokeKeys(db: Executor, input: { owner: string; kind: KeyKind; except?: string; by: string }): Promise<number> {
  return db.transaction(async (tx) => {
    const where = and(eq(signingKeys.owner, input.owner), eq(signingKeys.kind, input.kind), isNull(signingKeys.revokedAt), input.except ? ne(signingKeys.keyId, input.except) : undefined);
    const revoked = await tx.update(signingKeys).set({ revokedAt: new Date() }).where(where).returning({ keyId: signingKeys.keyId });
    for (const { keyId } of revoked) {
      await appendAudit(tx, { actor: input.by, action: 'key.revoked', subjectKind: input.kind === 'user' ? 'user' : 'service', subjectId: input.owner, details: { keyId } });
    }
    return revoked.length;
  });
}

/** A registered, unrevoked key by id, or undefined. */
export async function activeKey(db: Executor, keyId: string): Promise<SigningKeyRow | undefined> {
  const [row] = await db.select().from(signingKeys).where(and(eq(signingKeys.keyId, keyId), isNull(signingKeys.revokedAt)));
  return row;
}

/**
 * The signing key of `owner` on this machine, registered in Postgres: created in their config directory on first
 * use (so `FERRY_TOKEN=… ferry approve` needs no set-up), its public key registered by `by` (the authenticated
 * caller). A key revoked in Postgres is refused with the command that makes a new one.
 */
export async function ensureKey(db: Executor, owner: string, kind: KeyKind, where: KeyLocation & { by?: string } = {}): Promise<KeyPair> {
  const pair = loadOrCreateKey(owner, where);
  await registerKey(db, { owner, kind, publicKey: pair.publicKey, by: where.by ?? owner });
  return pair;
}

/** `ferry users key`: a new key pair for `owner` here, registered; every other key of theirs revoked. */
export async function rotateKey(db: Executor, owner: string, kind: KeyKind, where: KeyLocation & { by?: string } = {}): Promise<KeyPair & { file: string }> {
  const pair = rotateOwnKey(owner, where);
  await db.transaction(async (tx) => {
    await registerKey(tx, { owner, kind, publicKey: pair.publicKey, by: where.by ?? owner });
    await revokeKeys(tx, { owner, kind, except: pair.keyId, by: where.by ?? owner });
  });
  return pair;
}
