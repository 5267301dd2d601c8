import { createHmac, timingSafeEqual } from 'node:crypto';
import { secretFor } from '../settings.js';

/** The header Ferry signs outgoing webhooks with: `X-Ferry-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-ferry-signature';

/** `sha256=<hex>` HMAC-SHA256 of `body` with `secret`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Whether `signature` is `body` signed with `secret` (constant-time; receivers use this to check Ferry's requests). */
export function verifySignature(body: string, secret: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The secret of one outgoing boundary (`FERRY_ALERT_SECRET`, `FERRY_DEPLOY_SECRET`, else `FERRY_WEBHOOK_SECRET`), or a one-line error naming them. */
export function webhookSecret(explicit: string | undefined, what: string, boundary: 'alert' | 'deploy'): string {
  const { name, value } = secretFor(boundary);
  const secret = explicit ?? value;
  if (!secret) throw new Error(`${what}: no signing secret; set ${name}, or set FERRY_WEBHOOK_SECRET for every boundary (shared with the receiver, which checks the X-Ferry-Signature header)`);
  return secret;
}
