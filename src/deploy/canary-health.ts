import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { HealthGate } from '../core/rollout.js';

export interface CanaryHealthQuery extends HealthGate {
  model: string;
  env: string;
  version: number;
  /** Start of the bake window (a Date, or an ISO string as activities receive it). */
  since: Date | string;
  /** End of the window (default now). */
  until?: Date | string;
  /** Fewer requests than this is not enough evidence: unhealthy (default 1). */
  minRequests?: number;
}

export interface CanaryHealth {
  requests: number;
  errors: number;
  errorRate: number;
  /** null when there were no requests. */
  p95LatencyMs: number | null;
  healthy: boolean;
  reason: string;
}

/**
 * Judges a version from its logged predictions over the bake window: error rate against `maxErrorRate`, p95 latency
 * (percentile_cont, which PGlite has too) against `maxLatencyMs`.
 */
export async function canaryHealth(db: Db, q: CanaryHealthQuery): Promise<CanaryHealth> {
  const since = new Date(q.since).toISOString();
  const until = q.until === undefined ? null : new Date(q.until).toISOString();
  const result = await db.execute<{ requests: number; errors: number; p95: number | null }>(sql`
    SELECT count(*)::int AS requests,
           count(error)::int AS errors,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
      FROM predictions
     WHERE model = ${q.model} AND env = ${q.env} AND version = ${q.version}
       AND at >= ${since}::timestamptz
       AND (${until}::timestamptz IS NULL OR at < ${until}::timestamptz)`);
  const row = result.rows[0] ?? { requests: 0, errors: 0, p95: null };
  const requests = Number(row.requests);
  const errors = Number(row.errors);
  const p95LatencyMs = row.p95 === null ? null : Number(row.p95);
  const errorRate = requests === 0 ? 0 : errors / requests;
  const minRequests = q.minRequests ?? 1;
  const base = { requests, errors, errorRate, p95LatencyMs };
  const who = `${q.model} v${q.version} (${q.env})`;
  if (requests < minRequests) return { ...base, healthy: false, reason: `${who}: ${requests} requests in the bake window, fewer than the ${minRequests} needed to judge it` };
  if (errorRate > q.maxErrorRate) {
    return { ...base, healthy: false, reason: `${who}: error rate ${(errorRate * 100).toFixed(2)}% (${errors}/${requests}) > max ${(q.maxErrorRate * 100).toFixed(2)}%` };
  }
  if (q.maxLatencyMs !== undefined && p95LatencyMs !== null && p95LatencyMs > q.maxLatencyMs) {
    return { ...base, healthy: false, reason: `${who}: p95 latency ${p95LatencyMs.toFixed(1)} ms > max ${q.maxLatencyMs} ms` };
  }
  return { ...base, healthy: true, reason: `${who}: error rate ${(errorRate * 100).toFixed(2)}% over ${requests} requests, p95 ${p95LatencyMs?.toFixed(1) ?? '-'} ms, within bounds` };
}
