import { createHash, randomBytes } from 'node:crypto';

/** A fresh CLI token: 32 random bytes, prefixed so a leaked one is recognisable in logs and secret scanners. */
export function newToken(): string {
  return `ferry_${randomBytes(32).toString('base64url')}`;
}

/** What is stored for a token: its sha256 (hex). A token is high-entropy, so no salt or slow hash is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
