import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header GitHub signs webhook deliveries with: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';

/**
 * `sha256=<hex>` HMAC-SHA256 of the raw body bytes, as GitHub computes it. Works on the bytes, not a decoded string,
 * so a body that is not valid UTF-8 is still checked exactly as it was signed.
 * @example githubSignature(Buffer.from('{"zen":"..."}'), envValue('FERRY_WEBHOOK_SECRET'))
 */
export function githubSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether the `X-Hub-Signature-256` header is `body` signed with `secret` (constant-time compare; missing → false). */
export function verifyGithubSignature(body: Buffer, secret: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(githubSignature(body, secret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
