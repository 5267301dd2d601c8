import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileWorkflowId } from '../../src/core/ids.js';
import { auditLog, deployments, incidents, modelVersions } from '../../src/db/schema/index.js';
import { reconcileEnvironment } from '../../src/deploy/reconcile.js';
import { ensureReconcilers } from '../../src/deploy/reconcile-start.js';
import { createLocalTarget } from '../../src/deploy/local.js';
import type { ReconcileInput } from '../../workflows/reconcile.js';
import { waitFor } from '../helpers/cli.js';
import { backends } from '../helpers/db.js';
import { modelNames, runPipeline, startHarness, type Harness } from './harness.js';

// A model swapped on the serving side behind Ferry's back (the local target written directly, as an operator's script
// would) is found by the reconcile loop of its environment: an incident, and with `restore` the approved v1 back.
describe.each(backends().slice(0, 1))('reconciliation on the local target ($name)', (backend) => {
  const models = modelNames('recon', ['restored', 'reported', 'rejected', 'started', 'canary'] as const);
  const suffix = randomBytes(3).toString('hex');
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, Object.values(models));
  });
  afterAll(async () => {
    await h?.close();
  });

  /** v1 deployed to `env` by a normal run, v2 registered only, then v2 put on the target directly. */
  async function swapBehindFerry(model: string, env: string) {
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect((await runPipeline(h, model, 0.9)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const target = createLocalTarget({ db: h.database.db, serveUrl: h.server.url });
    await target.deploy({ model, env, version: 2, routes: [{ version: 2, percent: 100 }] });
    await h.server.refresh();
    expect((await target.readBack({ model, env })).routes).toEqual([{ version: 2, percent: 100 }]);
    return target;
  }

  async function startReconcile(input: ReconcileInput) {
    return h.client.workflow.start('reconcile', { args: [input], taskQueue: h.taskQueue, workflowId: reconcileWorkflowId(input.env) });
  }

  it('with restore: opens a reconcile incident, redeploys v1 through the target and audits the finding and the restore', async () => {
    const model = models.restored;
    const env = `recon-a-${suffix}`;
    const target = await swapBehindFerry(model, env);
    const handle = await startReconcile({ env, every: '1s', restore: true, checksPerRun: 2 });
    try {
      const incident = await waitFor(async () => (await h.database.db.select().from(incidents).where(and(eq(incidents.model, model), eq(incidents.env, env))))[0], 60_000, 'incident');
      expect(incident).toMatchObject({ kind: 'reconcile', status: 'open', summary: expect.stringMatching(/serves v2:100, Ferry deployed v1:100.*restoring v1:100/) });
      await waitFor(async () => {
        await h.server.refresh();
        const live = await target.readBack({ model, env });
        return live.routes.length === 1 && live.routes[0]!.version === 1 ? live : undefined;
      }, 60_000, 'v1 served again');
      const audit = await waitFor(async () => {
        const rows = await h.database.db.select().from(auditLog).where(eq(auditLog.subjectId, `${model}@${env}`));
        return rows.some((r) => r.action === 'deployment.finished' && /^reconcile: restored/.test(r.reason ?? '')) ? rows : undefined;
      }, 60_000, 'restore audited');
      expect(audit.filter((r) => r.action === 'reconcile.mismatch')).toHaveLength(1);
      expect(audit.find((r) => r.action === 'reconcile.mismatch')?.details).toMatchObject({ kind: 'swapped', expected: [{ version: 1, percent: 100 }], live: [{ version: 2, percent: 100 }] });
      // Later checks (after continue-as-new too) find it in sync: no second incident.
      await waitFor(async () => ((await handle.query<{ checks: number }>('reconcileState')).checks >= 4 ? true : undefined), 90_000, 'checks past continue-as-new');
      expect(await h.database.db.select().from(incidents).where(and(eq(incidents.model, model), eq(incidents.env, env)))).toHaveLength(1);
    } finally {
      await handle.terminate('test finished').catch(() => undefined);
    }
  });

  it('without restore: opens one incident for a mismatch that persists over two checks, audits each finding, and leaves the swapped v2 serving', async () => {
    const model = models.reported;
    const env = `recon-b-${suffix}`;
    const target = await swapBehindFerry(model, env);
    const handle = await startReconcile({ env, every: '1s', maxChecks: 2 });
    const state = await handle.result();
    expect(state).toMatchObject({ checks: 2, findings: 2, restores: 0 });
    const found = await h.database.db.select().from(incidents).where(and(eq(incidents.model, model), eq(incidents.env, env)));
    expect(found.map((i) => i.kind)).toEqual(['reconcile']);
    expect(found[0]!.summary).not.toMatch(/restoring/);
    await h.server.refresh();
    expect((await target.readBack({ model, env })).routes).toEqual([{ version: 2, percent: 100 }]);
    const audit = await h.database.db.select().from(auditLog).where(eq(auditLog.subjectId, `${model}@${env}`));
    expect(audit.filter((r) => r.action === 'reconcile.mismatch')).toHaveLength(2);
    expect(audit.some((r) => /^reconcile: restored/.test(r.reason ?? ''))).toBe(false);
  });

  it('a version the registry has rejected serving as Ferry deployed it is reported as unapproved', async () => {
    const model = models.rejected;
    const env = `recon-c-${suffix}`;
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    await h.database.db.update(modelVersions).set({ status: 'rejected' }).where(and(eq(modelVersions.model, model), eq(modelVersions.version, 1)));
    const state = await (await startReconcile({ env, every: '1s', maxChecks: 1 })).result();
    expect(state).toMatchObject({ checks: 1, findings: 1, restores: 0 });
    const [incident] = await h.database.db.select().from(incidents).where(and(eq(incidents.model, model), eq(incidents.env, env)));
    expect(incident?.summary).toMatch(/serves v1:100, Ferry deployed v1:100 \(v1 rejected\)/);
    const [audit] = await h.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, `${model}@${env}`), eq(auditLog.action, 'reconcile.mismatch')));
    expect(audit?.details).toMatchObject({ kind: 'unapproved', offending: [{ version: 1, status: 'rejected' }] });
  });

  it('ferry dev and ferry worker start one loop per environment with a live deployment, leave a running one alone, and start none when off', async () => {
    const model = models.started;
    const env = `recon-d-${suffix}`;
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect(await ensureReconcilers(h.client, h.database.db, h.taskQueue, { mode: 'off', every: '1h' })).toEqual([]);
    const started = await ensureReconcilers(h.client, h.database.db, h.taskQueue, { mode: 'report', every: '1h' });
    try {
      expect(started).toContain(env);
      expect(await ensureReconcilers(h.client, h.database.db, h.taskQueue, { mode: 'restore', every: '1h' })).not.toContain(env);
      const handle = h.client.workflow.getHandle(reconcileWorkflowId(env));
      const state = await waitFor(async () => {
        const s = await handle.query<{ checks: number; findings: number }>('reconcileState');
        return s.checks >= 1 ? s : undefined;
      }, 60_000, 'the first check');
      expect(state.findings).toBe(0);
      expect(await h.database.db.select().from(incidents).where(and(eq(incidents.model, model), eq(incidents.env, env)))).toEqual([]);
    } finally {
      for (const e of started) await h.client.workflow.getHandle(reconcileWorkflowId(e)).terminate('test finished').catch(() => undefined);
    }
  });

  it('a canary in progress (a deploying row newer than the live one) is left to its promotion, and reported once it is over', async () => {
    const model = models.canary;
    const env = `recon-e-${suffix}`;
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect((await runPipeline(h, model, 0.9)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const target = createLocalTarget({ db: h.database.db, serveUrl: h.server.url });
    const routes = [{ version: 1, percent: 90 }, { version: 2, percent: 10 }];
    await target.deploy({ model, env, version: 2, routes });
    await h.server.refresh();
    const [row] = await h.database.db
      .insert(deployments)
      .values({ model, version: 2, env, target: 'local', strategy: 'canary', status: 'deploying', trafficPercent: 10, idempotencyKey: `test:${model}:canary`, details: { routes } })
      .returning();
    expect(await reconcileEnvironment(h.database.db, { env, auditKey: `test:${env}:1` }, () => target)).toEqual([]);
    await h.database.db.update(deployments).set({ status: 'rolled-back' }).where(eq(deployments.id, row!.id));
    const findings = await reconcileEnvironment(h.database.db, { env, auditKey: `test:${env}:2` }, () => target);
    expect(findings.map((f) => [f.model, f.kind])).toEqual([[model, 'swapped']]);
  });
});
