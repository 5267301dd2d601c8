import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { loadSigningKey, signDecision, verifyDecision, verifyFreshDecision, type AttestedDecision } from '../../src/auth/attest.js';
import { FerryError, UsageError } from '../../src/core/errors.js';

const key = randomBytes(32);
const decision: AttestedDecision = { workflowId: 'churn-20250101-000000-abc123', env: 'production', decision: 'approve', approver: 'bob', at: '2025-01-01T12:00:00.000Z', comment: 'ship it' };

describe('signing decisions', () => {
  it('is HMAC-SHA256 over the canonical JSON of the decision (groups and roles default to empty)', () => {
    const expected = createHmac('sha256', key).update(canonicalize({ ...decision, groups: [], roles: [] })!).digest('hex');
    expect(signDecision(key, decision)).toBe(expected);
    const reordered = { comment: 'ship it', at: decision.at, approver: 'bob', decision: 'approve', env: 'production', workflowId: decision.workflowId } as const;
    expect(signDecision(key, reordered)).toBe(expected);
  });

  it('verifies a genuine signature and refuses any change to any field', () => {
    const signature = signDecision(key, decision);
    expect(verifyDecision(key, decision, signature)).toBe(true);
    for (const change of [{ approver: 'alice' }, { env: 'staging' }, { decision: 'reject' }, { workflowId: 'other' }, { at: '2025-01-01T12:00:01.000Z' }, { comment: 'ship' }] as const) {
      expect(verifyDecision(key, { ...decision, ...change }, signature)).toBe(false);
    }
    const { comment: _comment, ...withoutComment } = decision;
    expect(verifyDecision(key, withoutComment, signature)).toBe(false);
  });

  it('covers the approver\'s groups and roles: claiming a group the signer did not sign fails', () => {
    const signed = { ...decision, groups: ['ml-leads'], roles: ['approver'] };
    const signature = signDecision(key, signed);
    expect(verifyDecision(key, signed, signature)).toBe(true);
    expect(verifyDecision(key, { ...signed, groups: ['ml-leads', 'admins'] }, signature)).toBe(false);
    expect(verifyDecision(key, { ...signed, roles: ['admin'] }, signature)).toBe(false);
  });

  it('refuses another key, a malformed signature and a malformed decision', () => {
    const signature = signDecision(key, decision);
    expect(verifyDecision(randomBytes(32), decision, signature)).toBe(false);
    expect(verifyDecision(key, decision, signature.slice(0, 62))).toBe(false);
    expect(verifyDecision(key, decision, '')).toBe(false);
    expect(verifyDecision(key, decision, signature.toUpperCase())).toBe(false);
    expect(verifyDecision(key, { ...decision, at: 'yesterday' }, signature)).toBe(false);
    expect(verifyDecision(key, { ...decision, extra: 1 } as AttestedDecision, signature)).toBe(false);
  });

  it('refuses stale decisions (replays) and future-dated ones', () => {
    const signature = signDecision(key, decision);
    const at = Date.parse(decision.at);
    expect(verifyFreshDecision(key, decision, signature, { now: new Date(at + 9 * 60_000) })).toEqual({ ok: true });
    const stale = verifyFreshDecision(key, decision, signature, { now: new Date(at + 11 * 60_000) });
    expect(stale).toEqual({ ok: false, reason: expect.stringContaining('more than 10 minutes ago') });
    expect(verifyFreshDecision(key, decision, signature, { now: new Date(at + 11 * 60_000), maxAgeMinutes: 15 })).toEqual({ ok: true });
    expect(verifyFreshDecision(key, decision, signature, { now: new Date(at - 5 * 60_000) })).toMatchObject({ ok: false, reason: expect.stringContaining('future') });
    expect(verifyFreshDecision(key, decision, 'f'.repeat(64), { now: new Date(at) })).toMatchObject({ ok: false, reason: expect.stringContaining('not signed by a Ferry entry point') });
  });
});

describe('loadSigningKey', () => {
  it('reads FERRY_SIGNING_KEY as hex or base64', () => {
    const raw = randomBytes(32);
    expect(loadSigningKey({ FERRY_SIGNING_KEY: raw.toString('hex') }).equals(raw)).toBe(true);
    expect(loadSigningKey({ FERRY_SIGNING_KEY: raw.toString('base64') }).equals(raw)).toBe(true);
    expect(loadSigningKey({ FERRY_SIGNING_KEY: raw.toString('base64url') }).equals(raw)).toBe(true);
  });

  it('refuses a key shorter than 32 bytes, naming the variable', () => {
    expect(() => loadSigningKey({ FERRY_SIGNING_KEY: randomBytes(16).toString('hex') })).toThrow(UsageError);
    expect(() => loadSigningKey({ FERRY_SIGNING_KEY: 'short' })).toThrow('environment variable FERRY_SIGNING_KEY: expected at least 32 bytes');
  });

  it('on the embedded defaults, creates <FERRY_HOME>/signing.key with mode 0600 once and reuses it', () => {
    const home = join(mkdtempSync(join(tmpdir(), 'ferry-key-')), 'home');
    const first = loadSigningKey({ FERRY_HOME: home });
    expect(first).toHaveLength(32);
    const file = join(home, 'signing.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
    expect(loadSigningKey({ FERRY_HOME: home }).equals(first)).toBe(true);
  });

  it('refuses a key file that others can read', () => {
    const home = mkdtempSync(join(tmpdir(), 'ferry-key-'));
    const file = join(home, 'signing.key');
    writeFileSync(file, randomBytes(32).toString('hex'));
    chmodSync(file, 0o644);
    expect(() => loadSigningKey({ FERRY_HOME: home })).toThrow(FerryError);
    expect(() => loadSigningKey({ FERRY_HOME: home })).toThrow(`run 'chmod 600 ${file}'`);
  });
});
