import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.js';
import { aliases, auditLog, incidents, modelVersions, monitorChecks } from '../../src/db/schema/index.js';
import { monitorStateQuery } from '../../workflows/monitor.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { drifted, modelNames, predict, production, runPipeline, startHarness, stopMonitor, type Harness } from './harness.js';

describe.each(backends())('a monitor that finds drift rolls production back ($name)', (backend) => {
  const { model, alone } = modelNames('drift', ['model', 'alone'] as const);
  let h: Harness;
  const aliasOf = async (name: string) =>
    (await h.database.db.select({ version: aliases.version }).from(aliases).where(and(eq(aliases.model, name), eq(aliases.alias, 'production'))))[0]?.version;

  beforeAll(async () => {
    h = await startHarness(backend, [model, alone]);
  });
  afterAll(async () => {
    await stopMonitor(h, model);
    await stopMonitor(h, alone);
    await h?.close();
  });

  it('breaches on a drifted window of v2 and serves v1 again, with an incident and stored checks', async () => {
    const options = { deploy: [{ env: 'production' }], monitor: { every: '2s', maxDriftShare: 0.3, onBreach: 'rollback' as const, minRows: 30, cooldown: '1m' } };
    try {
      expect((await runPipeline(h, model, 0.8, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
      expect((await runPipeline(h, model, 0.9, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
      expect(await production(h, model)).toMatchObject({ alias: 2, served: [{ version: 2, percent: 100 }] });

      // x far outside the training reference (uniform on 0..9.5).
      const sent = await predict(h, model, drifted(60));
      expect(sent).toMatchObject({ status: 200, body: { version: 2 } });

      await waitFor(async () => ((await aliasOf(model)) === 1 ? true : undefined), 45_000, 'the monitor to roll production back to v1');
      expect(await production(h, model)).toEqual({ alias: 1, routes: [{ version: 1, percent: 100 }], served: [{ version: 1, percent: 100 }] });

      const checks = await h.database.db.select().from(monitorChecks).where(eq(monitorChecks.model, model));
      const breach = checks.find((c) => c.kind === 'drift' && c.breached);
      expect(breach).toMatchObject({ version: 2, env: 'production', workflowId: monitorWorkflowId(model, 'production') });
      expect(breach!.result).toMatchObject({ driftedShare: 1, drifted: ['x'] });
      // The monitor records its action once the rollback it started has finished.
      const action = await waitFor(async () => (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, 'action'))))[0], 10_000, 'the action record');
      expect(action).toMatchObject({ version: 2, action: 'rollback', breached: true, result: { from: 2, to: 1, state: 'live' } });

      const [incident] = await h.database.db.select().from(incidents).where(eq(incidents.model, model));
      expect(incident).toMatchObject({ env: 'production', kind: 'drift', status: 'open', summary: expect.stringMatching(/drift breach/) });
      // The version left behind is marked, so a second rollback cannot return to it.
      const [v2] = await h.database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, 2)));
      expect(v2!.status).toBe('rolled-back');

      const state = await h.client.workflow.getHandle(monitorWorkflowId(model, 'production')).query(monitorStateQuery);
      expect(state).toMatchObject({ model, env: 'production', actions: 1, escalated: false });
      const actions = (await h.database.db.select({ action: auditLog.action }).from(auditLog)).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['monitor.breach', 'incident.opened', 'rollback', 'monitor.action', 'model.status-changed']));
      expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
    } finally {
      await stopMonitor(h, model);
    }
  });

  it('escalates to a person, and keeps watching, when there is no earlier version to roll back to', async () => {
    const options = { deploy: [{ env: 'production' }], monitor: { every: '2s', maxDriftShare: 0.3, onBreach: 'rollback' as const, minRows: 30, cooldown: '1m' } };
    try {
      expect((await runPipeline(h, alone, 0.8, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
      expect(await predict(h, alone, drifted(60))).toMatchObject({ status: 200, body: { version: 1 } });

      const handle = h.client.workflow.getHandle(monitorWorkflowId(alone, 'production'));
      const state = await waitFor(async () => {
        const s = await handle.query(monitorStateQuery);
        return s.escalated ? s : undefined;
      }, 30_000, 'the monitor to escalate');
      expect(state).toMatchObject({ actions: 1 });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await production(h, alone)).toEqual({ alias: 1, routes: [{ version: 1, percent: 100 }], served: [{ version: 1, percent: 100 }] });

      const actions = await waitFor(async () => {
        const rows = await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, alone), eq(monitorChecks.kind, 'action')));
        return rows.length >= 2 ? rows : undefined;
      }, 10_000, 'the failed rollback and the escalation to be recorded');
      expect(actions.map((a) => [a.action, (a.result as { failed?: string }).failed !== undefined]).sort()).toEqual([
        ['escalate', false],
        ['rollback', true],
      ]);
      const opened = await h.database.db.select().from(incidents).where(eq(incidents.model, alone));
      expect(opened.map((i) => i.kind).sort()).toEqual(['drift', 'escalation']);
      expect(opened.find((i) => i.kind === 'escalation')!.summary).toMatch(/automatic rollback failed \(.*no earlier version to roll back to\); a person must decide/);
      expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
    } finally {
      await stopMonitor(h, alone);
    }
  });
});
