import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.js';
import { monitorIncidentKey, monitorWorkflowId } from '../../src/core/ids.js';
import { monitorSchema } from '../../src/core/spec.js';
import { auditLog, incidents } from '../../src/db/schema/index.js';
import type { monitor } from '../../workflows/monitor.js';
import { waitFor } from '../helpers/cli.js';
import { backends } from '../helpers/db.js';
import { drifted, modelNames, predict, runPipeline, startHarness, stopMonitor, type Harness } from './harness.js';

// A monitor's checks are counted from 1 in each of its lives; its incidents must belong to that life, or a monitor
// started again (same workflow id) would be handed its predecessor's incident for a new breach: created false, no audit.
describe.each(backends())('a monitor started again ($name)', (backend) => {
  const { model } = modelNames('restart', ['model'] as const);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, [model]);
  });
  afterAll(async () => {
    await stopMonitor(h, model);
    await h?.close();
  });

  it('opens a new incident for a new breach, audited', async () => {
    const { loaded } = await runPipeline(h, model, 0.8, { deploy: [{ env: 'production' }] });
    const spec = monitorSchema.parse({ every: '1s', maxDriftShare: 0.3, onBreach: 'alert', cooldown: '1h' });
    const workflowId = monitorWorkflowId(model, 'production');
    const startMonitor = () =>
      h.client.workflow.start<typeof monitor>('monitor', {
        workflowId,
        taskQueue: h.taskQueue,
        args: [{ model, env: 'production', spec, pipeline: { spec: loaded.spec, specHash: loaded.specHash, taskQueue: h.taskQueue } }],
      });
    const incidentsOf = () => h.database.db.select().from(incidents).where(eq(incidents.model, model)).orderBy(incidents.id);
    const openedAudits = async () =>
      (await h.database.db.select().from(auditLog).where(eq(auditLog.action, 'incident.opened'))).filter((a) => (a.details as { model?: string }).model === model);

    // Each life sees a drifted window at its first check, so both breaches fall on the same check number.
    expect(await predict(h, model, drifted(40))).toMatchObject({ status: 200 });
    const first = await startMonitor();
    await waitFor(async () => ((await incidentsOf()).length === 1 ? true : undefined), 45_000, 'the first monitor to open an incident');
    await stopMonitor(h, model);

    expect(await predict(h, model, drifted(40))).toMatchObject({ status: 200 });
    const second = await startMonitor();
    const both = await waitFor(async () => {
      const rows = await incidentsOf();
      return rows.length === 2 ? rows : undefined;
    }, 45_000, 'the monitor started again to open its own incident');
    await stopMonitor(h, model);

    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    expect(both.map((i) => i.idempotencyKey)).toEqual([
      monitorIncidentKey({ workflowId, firstExecutionRunId: first.firstExecutionRunId }, 'incident', 1),
      monitorIncidentKey({ workflowId, firstExecutionRunId: second.firstExecutionRunId }, 'incident', 1),
    ]);
    expect(both.every((i) => i.status === 'open' && i.kind === 'drift')).toBe(true);
    expect((await openedAudits()).map((a) => (a.details as { incidentId: number }).incidentId).sort()).toEqual(both.map((i) => i.id).sort());
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  }, 180_000);
});
