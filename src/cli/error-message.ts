import { FerryError } from '../core/errors.js';

/**
 * The one line a user sees for an error. Ferry's own errors already say what happened and what to do; an error from a
 * library — the Temporal client's `Failed to start Workflow`, a workflow's failure wrapping its activity's — carries
 * the reason in its `cause` chain (down to the server's gRPC status details), so each cause not already said is added:
 * `Failed to start Workflow: 3 INVALID_ARGUMENT: search attribute X is not defined`.
 */
export function errorLine(err: unknown): string {
  const top = err instanceof Error ? err : new Error(String(err));
  if (top instanceof FerryError) return top.message;
  let line = top.message || top.name;
  const seen = new Set<unknown>([top]);
  for (let cause = (top as { cause?: unknown }).cause; cause && !seen.has(cause) && seen.size < 8; cause = (cause as { cause?: unknown }).cause) {
    seen.add(cause);
    const text = (cause instanceof Error ? cause.message || cause.name : String((cause as { details?: unknown }).details ?? cause)).trim();
    if (text && !line.includes(text)) line += `: ${text}`;
  }
  return line.replace(/\s*\n\s*/g, ' ');
}
