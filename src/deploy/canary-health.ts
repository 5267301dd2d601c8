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
}

/** One version's traffic over a window of the prediction log. */
export interface WindowStats {
  requests: number;
  errors: number;
  errorRate: number;
  /** null when there were no requests. */
  p95LatencyMs: number | null;
}

export interface CanaryHealth extends WindowStats {
  healthy: boolean;
  reason: string;
  /** Unhealthy only for want of requests (fewer than `minRequests`): more baking may still pass it. */
  insufficient?: boolean;
  /** The stable version over the compared window, when the gate compares with it. */
  stable?: WindowStats & { version: number; since: string; until: string };
}

/** Latency differences below this never fail a comparison: at a few milliseconds, a ratio is noise. */
export const LATENCY_COMPARISON_FLOOR_MS = 50;

async function windowStats(db: Db, q: { model: string; env: string; version: number }, since: string, until: string | null): Promise<WindowStats> {
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
  return { requests, errors, errorRate: requests === 0 ? 0 : errors / requests, p95LatencyMs: row.p95 === null ? null : Number(row.p95) };
}

const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;

/**
 * Judges a version from its logged predictions over the bake window: enough requests (`minRequests`, default 1 for
 * gates recorded before it existed), error rate against `maxErrorRate`, p95 latency (percentile_cont, which PGlite has
 * too) against `maxLatencyMs`, and — with `compareWith` — error rate and p95 latency against the stable version's.
 */
export async function canaryHealth(db: Db, q: CanaryHealthQuery): Promise<CanaryHealth> {
  const sinceMs = new Date(q.since).getTime();
  const untilMs = q.until === undefined ? Date.now() : new Date(q.until).getTime();
  const since = new Date(sinceMs).toISOString();
  const until = new Date(untilMs).toISOString();
  const base = await windowStats(db, q, since, until);
  const { requests, errors, errorRate, p95LatencyMs } = base;
  const minRequests = q.minRequests ?? 1;
  const who = `${q.model} v${q.version} (${q.env})`;
  const verdict = (healthy: boolean, reason: string, stable?: CanaryHealth['stable']): CanaryHealth => ({ ...base, healthy, reason: `${who}: ${reason}`, ...(stable ? { stable } : {}) });
  if (requests < minRequests) return { ...verdict(false, `${requests} requests in the bake window, fewer than the ${minRequests} needed to judge it`), insufficient: true };
  if (errorRate > q.maxErrorRate) return verdict(false, `error rate ${pct(errorRate)} (${errors}/${requests}) > max ${pct(q.maxErrorRate)}`);
  if (q.maxLatencyMs !== undefined && p95LatencyMs !== null && p95LatencyMs > q.maxLatencyMs) return verdict(false, `p95 latency ${p95LatencyMs.toFixed(1)} ms > max ${q.maxLatencyMs} ms`);
  const within = `error rate ${pct(errorRate)} over ${requests} requests, p95 ${p95LatencyMs?.toFixed(1) ?? '-'} ms`;
  const c = q.compareWith;
  if (!c) return verdict(true, `${within}, within bounds`);
  const length = untilMs - sinceMs;
  const window = c.window === 'same' ? { since, until } : { since: new Date(sinceMs - length).toISOString(), until: since };
  const stable = { version: c.version, ...window, ...(await windowStats(db, { ...q, version: c.version }, window.since, window.until)) };
  const against = `stable v${c.version} ${c.window === 'same' ? 'in the same window' : 'in the window before'}`;
  if (stable.requests === 0) return verdict(true, `${within}, within bounds; ${against} had no traffic to compare with`, stable);
  if (errorRate > stable.errorRate + c.maxErrorRateIncrease) {
    return verdict(false, `error rate ${pct(errorRate)} (${errors}/${requests}) > ${against} ${pct(stable.errorRate)} (${stable.errors}/${stable.requests}) + ${pct(c.maxErrorRateIncrease)}`, stable);
  }
  if (p95LatencyMs !== null && stable.p95LatencyMs !== null && p95LatencyMs > stable.p95LatencyMs * c.maxLatencyRatio && p95LatencyMs - stable.p95LatencyMs > LATENCY_COMPARISON_FLOOR_MS) {
    return verdict(false, `p95 latency ${p95LatencyMs.toFixed(1)} ms > ${c.maxLatencyRatio}× ${against} ${stable.p95LatencyMs.toFixed(1)} ms`, stable);
  }
  return verdict(true, `${within}, within bounds and no worse than ${against} (${pct(stable.errorRate)}, p95 ${stable.p95LatencyMs?.toFixed(1) ?? '-'} ms)`, stable);
}
