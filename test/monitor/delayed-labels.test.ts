import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.js';
import { incidents, monitorChecks } from '../../src/db/schema/index.js';
import { monitorStateQuery } from '../../workflows/monitor.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { modelNames, predict, runPipeline, sendFeedback, startHarness, stopMonitor, undrifted, type Harness } from './harness.js';

describe.each(backends())('a monitor waits durably for delayed labels ($name)', (backend) => {
  const { model } = modelNames('labels', ['model'] as const);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, [model]);
  });
  afterAll(async () => {
    await stopMonitor(h, model);
    await h?.close();
  });

  it('judges nothing while labels are missing, and finds the performance breach once they arrive', async () => {
    const monitor = { every: '2s', minMetric: { metric: 'accuracy' as const, min: 0.9 }, predictionField: 'label', minLabeledShare: 0.8, onBreach: 'alert' as const, minRows: 30, cooldown: '1m' };
    try {
      expect((await runPipeline(h, model, 0.8, { deploy: [{ env: 'production' }], monitor })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
      const handle = h.client.workflow.getHandle(monitorWorkflowId(model, 'production'));
      const inputs = undrifted(40);
      const requestIds = inputs.map((_, i) => `${model}-r${i}`);
      const sent = await predict(h, model, inputs, requestIds);
      expect(sent).toMatchObject({ status: 200, body: { version: 1, requestIds } });

      // The window is checked for labels again and again, without a verdict.
      const waiting = await waitFor(async () => {
        const state = await handle.query(monitorStateQuery);
        return (state.pendingWindows[0]?.checks ?? 0) >= 3 ? state : undefined;
      }, 30_000, 'the window to wait for labels over three checks');
      expect(waiting.pendingWindows).toEqual([expect.objectContaining({ version: 1, checks: expect.any(Number) })]);
      expect(waiting.actions).toBe(0);
      const before = await h.database.db.select().from(monitorChecks).where(eq(monitorChecks.model, model));
      expect(before.filter((c) => c.kind === 'performance')).toEqual([]);
      // Its inputs were judged at once: like the training reference, so no drift.
      expect(before.filter((c) => c.kind === 'drift').map((c) => c.breached)).toEqual([false]);
      expect(await h.database.db.select().from(incidents).where(eq(incidents.model, model))).toEqual([]);

      // Ground truth arrives late, and the model got 36 of 40 wrong.
      const labels = inputs.map((row, i) => ({ requestId: requestIds[i]!, label: (row.x > 5) === i < 36 ? 'small' : 'big' }));
      // Labels drive the monitor, so they come with an engineer's token.
      expect(await sendFeedback(h, labels)).toEqual({ accepted: 40, unchanged: [], refused: [] });

      const breach = await waitFor(async () => {
        const [row] = await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, 'performance')));
        return row;
      }, 30_000, 'the performance check');
      expect(breach).toMatchObject({ version: 1, breached: true, result: { total: 40, labeled: 40, accuracy: 0.1 } });
      // The monitor's last word on the breach is its action record (after the incident and the alert).
      const action = await waitFor(async () => (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, 'action'))))[0], 15_000, 'the monitor to act');
      expect(action).toMatchObject({ action: 'alert', breached: true });
      const [incident] = await h.database.db.select().from(incidents).where(eq(incidents.model, model));
      expect(incident).toMatchObject({ kind: 'performance', status: 'open', summary: expect.stringMatching(/accuracy 0\.100 on 40 label/) });
      const acted = await handle.query(monitorStateQuery);
      expect(acted).toMatchObject({ actions: 1, pendingWindows: [] });
      expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
    } finally {
      await stopMonitor(h, model);
    }
  });
});
