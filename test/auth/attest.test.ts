import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDecision, verifyDecision, type AttestedDecision } from '../../src/auth/attest.js';
import { generateKeyPair, loadOrCreateKey, readOwnKey, rotateOwnKey, verifyPayload } from '../../src/auth/keys.js';
import { ensureKey, registerKey, revokeKeys, rotateKey } from '../../src/auth/signing-keys.js';
import { addToGroup, createUser, grantRole, removeFromGroup, setDisabled } from '../../src/auth/users.js';
import { FerryError, UsageError } from '../../src/core/errors.js';
import { backends, type TestDatabase } from '../helpers/db.js';

const at = '2025-01-01T12:00:00.000Z';
const now = new Date(Date.parse(at) + 60_000);
const decision = (over: Partial<AttestedDecision> = {}): Omit<AttestedDecision, 'keyId'> => ({ workflowId: 'churn-20250101-000000-abc123', env: 'production', decision: 'approve', approver: 'bob', at, via: 'cli', comment: 'ship it', ...over });

describe('private keys in the person\'s own config directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-keys-'));

  it('creates an Ed25519 key once, mode 0600 in a 0700 directory, and reads the same one back', () => {
    const first = loadOrCreateKey('bob', { dir });
    expect(first.created).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    const again = loadOrCreateKey('bob', { dir });
    expect(again).toMatchObject({ created: false, keyId: first.keyId, publicKey: first.publicKey });
    expect(first.keyId).toMatch(/^ed25519:[0-9a-f]{32}$/);
  });

  it('refuses to keep a private key inside a worker\'s FERRY_HOME', () => {
    const home = join(dir, 'home');
    expect(() => loadOrCreateKey('bob', { dir: join(home, 'cfg'), ferryHome: home })).toThrow(/never kept inside FERRY_HOME/);
  });

  it('refuses a key file others can read', () => {
    const pair = loadOrCreateKey('carol', { dir });
    chmodSync(pair.file, 0o644);
    expect(() => readOwnKey('carol', { dir })).toThrow(FerryError);
    expect(() => readOwnKey('carol', { dir })).toThrow(`run 'chmod 600 ${pair.file}'`);
  });

  it('rotates to a new key in place', () => {
    const before = loadOrCreateKey('dave', { dir });
    const after = rotateOwnKey('dave', { dir });
    expect(after.keyId).not.toBe(before.keyId);
    expect(readOwnKey('dave', { dir })?.keyId).toBe(after.keyId);
  });

  it('names a bad owner name', () => {
    expect(() => loadOrCreateKey('../evil', { dir })).toThrow(UsageError);
  });
});

describe.each(backends())('verifying decisions against Postgres ($name)', (backend) => {
  let database: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-verify-'));

  beforeAll(async () => {
    database = await backend.create();
    await createUser(database.db, { name: 'bob', by: 'test' });
    await grantRole(database.db, { user: 'bob', role: 'approver', by: 'test' });
    await addToGroup(database.db, { user: 'bob', group: 'ml-leads', by: 'test' });
    await createUser(database.db, { name: 'eve', by: 'test' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('signs the canonical JSON with Ed25519 and returns the approver as Postgres has them', async () => {
    const bob = await ensureKey(database.db, 'bob', 'user', { dir });
    const { decision: signed, signature } = signDecision(bob, decision());
    expect(verifyPayload(bob.publicKey, JSON.parse(canonicalize(signed)!), signature)).toBe(true);
    expect(await verifyDecision(database.db, signed, signature, { now })).toEqual({ ok: true, approver: { name: 'bob', roles: ['approver'], groups: ['ml-leads'] } });
  });

  it('refuses any change to any signed field', async () => {
    const bob = await ensureKey(database.db, 'bob', 'user', { dir });
    const { decision: signed, signature } = signDecision(bob, decision());
    for (const change of [{ approver: 'eve' }, { env: 'staging' }, { decision: 'reject' }, { workflowId: 'other' }, { at: '2025-01-01T12:00:01.000Z' }, { comment: 'ship' }, { via: 'slack' }] as const) {
      expect(await verifyDecision(database.db, { ...signed, ...change }, signature, { now })).toMatchObject({ ok: false });
    }
  });

  it('refuses a key that is not the approver\'s, an unregistered key and a revoked one, as forgeries', async () => {
    const eve = await ensureKey(database.db, 'eve', 'user', { dir });
    const asBob = signDecision(eve, decision());
    expect(await verifyDecision(database.db, asBob.decision, asBob.signature, { now })).toMatchObject({ ok: false, forgery: true, reason: expect.stringContaining('belongs to eve, not bob') });
    const stranger = signDecision(generateKeyPair(), decision());
    expect(await verifyDecision(database.db, stranger.decision, stranger.signature, { now })).toMatchObject({ ok: false, forgery: true, reason: expect.stringContaining('not registered') });
    await revokeKeys(database.db, { owner: 'eve', kind: 'user', by: 'test' });
    const revoked = signDecision(eve, decision({ approver: 'eve' }));
    expect(await verifyDecision(database.db, revoked.decision, revoked.signature, { now })).toMatchObject({ ok: false, forgery: true, reason: expect.stringContaining('revoked') });
  });

  it('refuses the old shared-key HMAC attestation', async () => {
    const old = { workflowId: 'w', env: 'production', decision: 'approve', approver: 'bob', groups: [], roles: [], at };
    const hmac = createHmac('sha256', randomBytes(32)).update(canonicalize(old)!).digest('hex');
    expect(await verifyDecision(database.db, old, hmac, { now })).toMatchObject({ ok: false, forgery: true, reason: expect.stringContaining('shared-key (HMAC)') });
  });

  it("refuses a disabled approver's signed decision, and counts it again once enabled", async () => {
    const bob = await ensureKey(database.db, 'bob', 'user', { dir });
    const { decision: signed, signature } = signDecision(bob, decision());
    await setDisabled(database.db, { user: 'bob', disabled: true, by: 'test' });
    expect(await verifyDecision(database.db, signed, signature, { now })).toMatchObject({ ok: false, reason: expect.stringContaining('approver bob is disabled') });
    await setDisabled(database.db, { user: 'bob', disabled: false, by: 'test' });
    expect(await verifyDecision(database.db, signed, signature, { now })).toMatchObject({ ok: true });
  });

  it('uses the roles and groups Postgres has now, not those of the moment of signing', async () => {
    const bob = await ensureKey(database.db, 'bob', 'user', { dir });
    const { decision: signed, signature } = signDecision(bob, decision());
    await removeFromGroup(database.db, { user: 'bob', group: 'ml-leads', by: 'test' });
    expect(await verifyDecision(database.db, signed, signature, { now })).toMatchObject({ ok: true, approver: { groups: [] } });
    await addToGroup(database.db, { user: 'bob', group: 'ml-leads', by: 'test' });
  });

  it('refuses stale and future-dated decisions', async () => {
    const bob = await ensureKey(database.db, 'bob', 'user', { dir });
    const { decision: signed, signature } = signDecision(bob, decision());
    expect(await verifyDecision(database.db, signed, signature, { now: new Date(Date.parse(at) + 11 * 60_000) })).toMatchObject({ ok: false, reason: expect.stringContaining('more than 10 minutes ago') });
    expect(await verifyDecision(database.db, signed, signature, { now: new Date(Date.parse(at) - 5 * 60_000) })).toMatchObject({ ok: false, reason: expect.stringContaining('future') });
  });

  it('a rotated key replaces the old one: the old one no longer verifies', async () => {
    const rotDir = mkdtempSync(join(tmpdir(), 'ferry-rot-'));
    const old = await ensureKey(database.db, 'bob', 'user', { dir: rotDir });
    await rotateKey(database.db, 'bob', 'user', { dir: rotDir });
    const stale = signDecision(old, decision());
    expect(await verifyDecision(database.db, stale.decision, stale.signature, { now })).toMatchObject({ ok: false, forgery: true });
    await expect(registerKey(database.db, { owner: 'bob', kind: 'user', publicKey: old.publicKey, by: 'bob' })).rejects.toThrow(/revoked/);
  });
});
