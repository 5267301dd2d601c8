/** Network error codes that mean "the other side is not there right now": retried, shown as degraded, never fatal. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The error and what it wraps: `cause` (fetch, FerryError) and `original` (Slack's Web API client). */
function chain(err: unknown): { code?: unknown; message?: unknown }[] {
  const found: { code?: unknown; message?: unknown }[] = [];
  let current = err as { code?: unknown; message?: unknown; cause?: unknown; original?: unknown } | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    found.push(current);
    current = (current.cause ?? current.original) as typeof current;
  }
  return found;
}

/** Whether `err` (or anything it wraps) is a connection that could not be made or was dropped. */
export function isUnreachable(err: unknown): boolean {
  return chain(err).some((e) => (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) || /\bsocket hang up\b/.test(String(e.message ?? '')));
}

/** A short reason for a person: the innermost message (`getaddrinfo ENOTFOUND slack.com`), prefixed with how it failed. */
export function failureReason(err: unknown): { kind: 'unreachable' | 'failing'; reason: string } {
  const messages = chain(err)
    .map((e) => (typeof e.message === 'string' ? e.message : ''))
    .filter(Boolean);
  const reason = (messages.at(-1) ?? String(err)).split('\n')[0]!.slice(0, 200);
  return { kind: isUnreachable(err) ? 'unreachable' : 'failing', reason };
}
