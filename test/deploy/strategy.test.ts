import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictions } from '../../src/db/schema/index.js';
import { canaryHealth } from '../../src/deploy/canary-health.js';
import { legacyGate, planRollout, rollbackRoutes } from '../../src/core/rollout.js';
import { strategySchema } from '../../src/core/spec.js';
import { backends, type TestDatabase } from '../helpers/db.js';

describe('rollout plans', () => {
  it('steps a canary through its percentages against the stable version, ending on the new version alone', () => {
    const canary = strategySchema.parse({ kind: 'canary', steps: [10, 50, 100], bake: '30s', maxErrorRate: 0.02, maxLatencyMs: 250 });
    const plan = planRollout(canary, { version: 2, stable: 1 });
    expect(plan.map((s) => s.routes)).toEqual([
      [{ version: 1, percent: 90 }, { version: 2, percent: 10 }],
      [{ version: 1, percent: 50 }, { version: 2, percent: 50 }],
      [{ version: 2, percent: 100 }],
    ]);
    // The defaults: 100 requests per step, and no worse than the stable version in the same window.
    const gate = { maxErrorRate: 0.02, maxLatencyMs: 250, minRequests: 100, compareWith: { version: 1, window: 'same' as const, maxErrorRateIncrease: 0.02, maxLatencyRatio: 1.5 } };
    expect(plan.map((s) => [s.bakeMs, s.gate])).toEqual([
      [30_000, gate],
      [30_000, gate],
      [0, undefined],
    ]);
    const tuned = planRollout(strategySchema.parse({ kind: 'canary', steps: [50, 100], minRequests: 20, maxErrorRateIncrease: 0, maxLatencyRatio: 3 }), { version: 2, stable: 1 });
    expect(tuned[0]!.gate).toMatchObject({ minRequests: 20, compareWith: { maxErrorRateIncrease: 0, maxLatencyRatio: 3 } });
    expect(legacyGate(gate)).toEqual({ maxErrorRate: 0.02, maxLatencyMs: 250 });
    expect(rollbackRoutes(1)).toEqual([{ version: 1, percent: 100 }]);
  });

  it('switches straight over for all-at-once, for a first deploy, and for blue/green (with a gated bake)', () => {
    const canary = strategySchema.parse({ kind: 'canary', steps: [25, 100] });
    expect(planRollout(strategySchema.parse({ kind: 'all-at-once' }), { version: 3, stable: 2 }).map((s) => s.routes)).toEqual([[{ version: 3, percent: 100 }]]);
    expect(planRollout(canary, { version: 1 }).map((s) => s.routes)).toEqual([[{ version: 1, percent: 100 }]]);
    const blueGreen = planRollout(strategySchema.parse({ kind: 'blue-green', bake: '2m' }), { version: 3, stable: 2 });
    expect(blueGreen).toEqual([
      {
        routes: [{ version: 3, percent: 100 }],
        percent: 100,
        bakeMs: 120_000,
        gate: { maxErrorRate: 0.05, minRequests: 100, compareWith: { version: 2, window: 'before', maxErrorRateIncrease: 0.02, maxLatencyRatio: 1.5 } },
      },
    ]);
  });
});

describe.each(backends())('canary health from the prediction log ($name)', (backend) => {
  let database: TestDatabase;
  const since = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    database = await backend.create();
    const rows = Array.from({ length: 100 }, (_, i) => ({
      requestId: `c-${i}`,
      model: 'toy',
      env: 'production',
      version: i < 80 ? 1 : 2,
      inputs: { i },
      outputs: i,
      // v2: 5 of its 20 requests failed; latencies 1..100 ms.
      error: i >= 95 ? 'boom' : null,
      latencyMs: i + 1,
      at: new Date(),
    }));
    await database.db.insert(predictions).values([...rows, { ...rows[0]!, requestId: 'old', version: 2, error: 'old failure', at: new Date(Date.now() - 3_600_000) }]);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('finds an erroring canary unhealthy, naming its error rate', async () => {
    const health = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 2, since, maxErrorRate: 0.05 });
    expect(health).toMatchObject({ requests: 20, errors: 5, errorRate: 0.25, healthy: false });
    expect(health.p95LatencyMs).toBeCloseTo(99.05, 6);
    expect(health.reason).toContain('error rate 25.00% (5/20) > max 5.00%');
  });

  it('finds a clean version healthy, and a slow one unhealthy on p95 latency', async () => {
    const healthy = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 1, since, maxErrorRate: 0.05 });
    expect(healthy).toMatchObject({ requests: 80, errors: 0, errorRate: 0, healthy: true });
    const slow = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 1, since, maxErrorRate: 0.05, maxLatencyMs: 50 });
    expect(slow.healthy).toBe(false);
    expect(slow.reason).toMatch(/p95 latency 76\.\d ms > max 50 ms/);
  });

  it('needs minRequests, and compares with the stable version in the same window', async () => {
    const few = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 1, since, maxErrorRate: 0.05, minRequests: 100 });
    expect(few).toMatchObject({ requests: 80, healthy: false, reason: 'toy v1 (production): 80 requests in the bake window, fewer than the 100 needed to judge it' });
    // v2 (25% errors) against v1 (none): within a lax absolute bound, but worse than stable by more than 2 points.
    const compareWith = { version: 1, window: 'same' as const, maxErrorRateIncrease: 0.02, maxLatencyRatio: 1.5 };
    const worse = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 2, since, maxErrorRate: 0.5, minRequests: 20, compareWith });
    expect(worse).toMatchObject({ healthy: false, stable: { version: 1, requests: 80, errors: 0 } });
    expect(worse.reason).toContain('error rate 25.00% (5/20) > stable v1 in the same window 0.00% (0/80) + 2.00%');
    // v2's p95 (99 ms) against v1's (76 ms): under 1.5×, and a 23 ms difference is below the comparison floor anyway.
    const latency = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 2, since, maxErrorRate: 0.5, minRequests: 20, compareWith: { ...compareWith, maxErrorRateIncrease: 1, maxLatencyRatio: 1 } });
    expect(latency).toMatchObject({ healthy: true, reason: expect.stringContaining('no worse than stable v1 in the same window') });
  });

  it('does not judge a version without traffic healthy', async () => {
    const none = await canaryHealth(database.db, { model: 'toy', env: 'production', version: 7, since, maxErrorRate: 0.05 });
    expect(none).toMatchObject({ requests: 0, errors: 0, p95LatencyMs: null, healthy: false });
  });
});
