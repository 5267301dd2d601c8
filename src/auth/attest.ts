import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { FerryError, UsageError } from '../core/errors.js';

/**
 * Attested decisions: entry points (CLI, Slack app) sign each approve/reject with a key only they and the workers hold,
 * and the workflow verifies the signature (in a local activity) before counting it, so an Update sent straight to the
 * workflow (Temporal UI, `temporal` CLI) cannot approve in someone else's name.
 */

export const attestedDecisionSchema = z.strictObject({
  workflowId: z.string().min(1),
  env: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  approver: z.string().min(1),
  /** The approver's groups and roles as the entry point looked them up: signed, because the workflow trusts them. */
  groups: z.array(z.string()).default([]),
  roles: z.array(z.string()).default([]),
  /** When the entry point signed it (ISO 8601); verification refuses stale ones. */
  at: z.iso.datetime({ offset: true }),
  comment: z.string().optional(),
});
export type AttestedDecision = z.input<typeof attestedDecisionSchema>;

const MIN_KEY_BYTES = 32;
/** Default freshness window: long enough for a slow Update round-trip, short enough to make replays useless. */
export const DEFAULT_MAX_AGE_MINUTES = 10;
// A signer's clock may run slightly ahead of the verifier's.
const MAX_CLOCK_SKEW_MS = 60_000;

function payload(decision: AttestedDecision): string {
  const parsed = attestedDecisionSchema.parse(decision);
  return canonicalize(parsed)!;
}

/** HMAC-SHA256 (hex) over the canonical JSON (RFC 8785) of the decision. */
export function signDecision(key: Buffer, decision: AttestedDecision): string {
  return createHmac('sha256', key).update(payload(decision), 'utf8').digest('hex');
}

/** Whether `signature` is the decision's HMAC under `key`, compared in constant time. A malformed decision is false. */
export function verifyDecision(key: Buffer, decision: AttestedDecision, signature: string): boolean {
  if (!attestedDecisionSchema.safeParse(decision).success || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(signDecision(key, decision), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

export type FreshVerification = { ok: true } | { ok: false; reason: string };

/**
 * `verifyDecision` plus replay protection: refuses a decision signed more than `maxAgeMinutes` ago (default 10) or
 * dated in the future. Run it where the clock is real (an activity), never in workflow code.
 */
export function verifyFreshDecision(
  key: Buffer,
  decision: AttestedDecision,
  signature: string,
  options: { now?: Date; maxAgeMinutes?: number } = {},
): FreshVerification {
  if (!verifyDecision(key, decision, signature)) return { ok: false, reason: 'the decision is not signed by a Ferry entry point (bad or missing attestation); approve with ferry approve or from Slack' };
  const now = (options.now ?? new Date()).getTime();
  const at = Date.parse(decision.at);
  const maxAge = (options.maxAgeMinutes ?? DEFAULT_MAX_AGE_MINUTES) * 60_000;
  if (at > now + MAX_CLOCK_SKEW_MS) return { ok: false, reason: `the decision is dated in the future (${decision.at}); check the signer's clock` };
  if (now - at > maxAge) return { ok: false, reason: `the decision was signed at ${decision.at}, more than ${options.maxAgeMinutes ?? DEFAULT_MAX_AGE_MINUTES} minutes ago; decide again` };
  return { ok: true };
}

/** Parses a key written as hex or base64 (standard or URL-safe); at least 32 bytes. */
export function parseSigningKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^(?:[0-9a-fA-F]{2})+$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (!bytes || bytes.length < MIN_KEY_BYTES) {
    throw new UsageError(`${source}: expected at least ${MIN_KEY_BYTES} bytes as hex or base64 (e.g. the output of 'openssl rand -hex 32')`);
  }
  return bytes;
}

const keyEnvSchema = z.object({
  FERRY_SIGNING_KEY: z.string().min(1).optional(),
  FERRY_HOME: z.string().min(1).default('.ferry'),
});

/**
 * The decision-signing key: `FERRY_SIGNING_KEY` (hex or base64, ≥ 32 bytes) or, on the embedded defaults,
 * `<FERRY_HOME>/signing.key`, created with mode 0600 on first use. A key file others can read is refused.
 */
export function loadSigningKey(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Buffer {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const { FERRY_SIGNING_KEY, FERRY_HOME } = keyEnvSchema.parse(cleaned);
  if (FERRY_SIGNING_KEY) return parseSigningKey(FERRY_SIGNING_KEY, 'environment variable FERRY_SIGNING_KEY');
  const file = join(resolve(FERRY_HOME), 'signing.key');
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 'wx': exactly one process creates it; the others read what it wrote.
    writeFileSync(file, `${randomBytes(MIN_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new FerryError(`${file}: readable by other users; run 'chmod 600 ${file}' (it signs approvals)`);
  }
  return parseSigningKey(readFileSync(file, 'utf8'), file);
}
