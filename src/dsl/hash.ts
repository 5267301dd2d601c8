import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** sha256 (hex) of the RFC 8785 canonical JSON of a value: equal specs hash equal whatever their key order. */
export function canonicalHash(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return createHash('sha256').update(text).digest('hex');
}
