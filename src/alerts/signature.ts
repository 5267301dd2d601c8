import { createHmac, timingSafeEqual } from 'node:crypto';

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

/** The webhook secret from `FERRY_WEBHOOK_SECRET`, or a one-line error naming it. */
export function webhookSecret(explicit?: string, what = 'webhook'): string {
  const secret = explicit ?? process.env.FERRY_WEBHOOK_SECRET;
  if (!secret) throw new Error(`${what}: no signing secret; set FERRY_WEBHOOK_SECRET (shared with the receiver, which checks the X-Ferry-Signature header)`);
  return secret;
}
