import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.js';
import { auditLog, deployments } from '../../src/db/schema/index.js';
import type { promotion } from '../../workflows/promotion.js';
import { promotionWorkflowId } from '../../src/core/ids.js';
import { backends } from '../helpers/db.js';
import { modelNames, production, runPipeline, startHarness, startTraffic, type Harness } from './harness.js';

const canary = { kind: 'canary' as const, steps: [50, 100], bake: '3s', maxErrorRate: 0.05, minRequests: 10 };

describe.each(backends())('canary promotions on the real dev server and model server ($name)', (backend) => {
  const models = modelNames('canary', ['bad', 'good'] as const);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, Object.values(models));
  });
  afterAll(async () => {
    await h?.close();
  });

  /** v1 (healthy) live in production, v2 registered with the given quality; then v2 promoted as a canary under traffic. */
  async function promoteCanary(model: string, quality: number) {
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env: 'production' }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect((await runPipeline(h, model, quality)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const [last] = await h.database.db.select({ seq: auditLog.seq }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    const traffic = startTraffic(h, model);
    try {
      const result = await h.client.workflow.execute<typeof promotion>('promotion', {
        workflowId: promotionWorkflowId(model, 'production'),
        taskQueue: h.taskQueue,
        args: [{ model, version: 2, env: 'production', target: 'local', strategy: canary, kind: 'deploy', actor: 'alice', reason: 'canary test' }],
      });
      return { result, traffic, auditFrom: last!.seq };
    } finally {
      await traffic.stop();
    }
  }

  /** The promotion's audit records after `seq` (the v1 deploy went through the same workflow id). */
  async function auditOf(model: string, seq: number) {
    return h.database.db.select().from(auditLog).where(and(eq(auditLog.workflowId, promotionWorkflowId(model, 'production')), gt(auditLog.seq, seq))).orderBy(asc(auditLog.seq));
  }

  it('returns all traffic to the stable version when the canary errors, leaving the alias where it was, all audited', async () => {
    const model = models.bad;
    const { result, traffic, auditFrom } = await promoteCanary(model, 0.3);

    expect(result).toMatchObject({ model, env: 'production', version: 2, from: 1, state: 'rolled-back', reason: expect.stringMatching(/error rate/) });
    // The canary really took traffic and failed it; v1 answered the rest.
    expect(traffic.versions[2]).toBeGreaterThan(0);
    expect(traffic.statuses[500]).toBeGreaterThan(0);
    expect(await production(h, model)).toEqual({ alias: 1, routes: [{ version: 1, percent: 100 }], served: [{ version: 1, percent: 100 }] });

    const [row] = await h.database.db.select().from(deployments).where(and(eq(deployments.model, model), eq(deployments.version, 2)));
    expect(row).toMatchObject({ status: 'rolled-back', trafficPercent: 0, strategy: 'canary' });

    const audit = await auditOf(model, auditFrom);
    // The failed rollout is an incident (test/monitor/rollout-safety.test.ts follows its alert).
    expect(audit.map((a) => a.action)).toEqual(['deployment.started', 'gate.result', 'rollback', 'incident.opened']);
    expect(audit[0]!.details).toMatchObject({ version: 2, trafficPercent: 50, routes: [{ version: 1, percent: 50 }, { version: 2, percent: 50 }] });
    expect(audit[1]!.details).toMatchObject({ gate: 'canary-health', version: 2, healthy: false, maxErrorRate: 0.05 });
    expect(audit[2]!.details).toMatchObject({ version: 2, trafficPercent: 0, status: 'rolled-back', routes: [{ version: 1, percent: 100 }] });
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  });

  it('takes a healthy canary through 50% to 100% and moves the alias, all audited', async () => {
    const model = models.good;
    const { result, traffic, auditFrom } = await promoteCanary(model, 0.9);

    expect(result).toEqual({ model, env: 'production', version: 2, from: 1, state: 'live' });
    expect(traffic.versions[2]).toBeGreaterThan(0);
    expect(traffic.statuses[500]).toBeUndefined();
    expect(await production(h, model)).toEqual({ alias: 2, routes: [{ version: 2, percent: 100 }], served: [{ version: 2, percent: 100 }] });

    const rows = await h.database.db.select().from(deployments).where(eq(deployments.model, model));
    expect(rows.map((r) => [r.version, r.status, r.trafficPercent]).sort()).toEqual([
      [1, 'superseded', 100],
      [2, 'live', 100],
    ]);

    const audit = await auditOf(model, auditFrom);
    expect(audit.map((a) => a.action)).toEqual(['deployment.started', 'gate.result', 'deployment.finished', 'alias.moved']);
    expect(audit[1]!.details).toMatchObject({ gate: 'canary-health', version: 2, healthy: true, errors: 0 });
    expect(audit[3]!.details).toMatchObject({ alias: 'production', fromVersion: 1, toVersion: 2 });
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  });
});
