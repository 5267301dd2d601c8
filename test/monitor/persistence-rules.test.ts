/**
 * The monitor's advertised rules, each proven on the dev server (issue 17, step 9): k-of-n persistence (one breach in
 * a window of three checks does nothing, and ages out; two act), the cooldown (breaches after an action are recorded
 * but do not act), and the action budget (once spent, the next breach escalates to a person instead of acting).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidents, monitorChecks } from '../../src/db/schema/index.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { monitorStateQuery } from '../../workflows/monitor.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { drifted, modelNames, predict, runPipeline, startHarness, stopMonitor, type Harness } from './harness.js';

describe.each(backends())('k-of-n, cooldown and the action budget ($name)', (backend) => {
  const { persist, budget } = modelNames('rules', ['persist', 'budget'] as const);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, [persist, budget]);
  });
  afterAll(async () => {
    await stopMonitor(h, persist);
    await stopMonitor(h, budget);
    await h?.close();
  });

  const checksOf = async (model: string, kind: string) =>
    (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, kind)))).sort((a, b) => a.id - b.id);
  const state = (model: string) => h.client.workflow.getHandle(monitorWorkflowId(model, 'production')).query(monitorStateQuery);
  /** Sends a drifted window and waits until the monitor has recorded `n` drift breaches in all. */
  async function breach(model: string, n: number) {
    expect((await predict(h, model, drifted(40))).status).toBe(200);
    await waitFor(async () => ((await checksOf(model, 'drift')).filter((c) => c.breached).length >= n ? true : undefined), 60_000, `${model}: drift breach ${n}`);
  }

  async function kOfNAndCooldown() {
    const monitor = { every: '2s', maxDriftShare: 0.3, onBreach: 'alert' as const, breaches: 2, window: 3, minRows: 30, cooldown: '10m' };
    expect((await runPipeline(h, persist, 0.8, { deploy: [{ env: 'production' }], monitor })).result).toMatchObject({ state: 'succeeded' });
    await breach(persist, 1);
    // One breach of two needed: three more checks pass, the breach leaves the window, nothing acts. (The breach is
    // stored before the monitor's state counts its check, so count from one check later.)
    const at = (await state(persist)).checks + 1;
    const later = await waitFor(async () => {
      const s = await state(persist);
      return s.checks >= at + 3 ? s : undefined;
    }, 60_000, 'three more checks');
    expect(later).toMatchObject({ actions: 0 });
    expect(later.recent.slice(-3)).toEqual([false, false, false]);
    expect(await checksOf(persist, 'action')).toEqual([]);
    // Two breaches within three checks: the monitor acts.
    await breach(persist, 2);
    await breach(persist, 3);
    await waitFor(async () => ((await checksOf(persist, 'action')).length ? true : undefined), 30_000, 'the k-of-n action');
    // The action's row is stored by the check activity before the workflow counts it: wait for the state to follow.
    const acted = await waitFor(async () => {
      const s = await state(persist);
      return s.actions >= 1 ? s : undefined;
    }, 30_000, 'the monitor to count its action');
    expect(acted).toMatchObject({ actions: 1, recent: [] });
    // Cooling down: two more breaches are recorded as breaches, and do not act.
    await breach(persist, 4);
    await breach(persist, 5);
    const cooled = await state(persist);
    expect(cooled).toMatchObject({ actions: 1, escalated: false });
    expect(cooled.lastSummary).toMatch(/drift 100% of features/);
    expect((await checksOf(persist, 'action')).map((a) => a.action)).toEqual(['alert']);
  }

  async function budgetThenEscalation() {
    const monitor = { every: '2s', maxDriftShare: 0.3, onBreach: 'alert' as const, maxActions: 1, minRows: 30, cooldown: '1s' };
    expect((await runPipeline(h, budget, 0.8, { deploy: [{ env: 'production' }], monitor })).result).toMatchObject({ state: 'succeeded' });
    await breach(budget, 1);
    await waitFor(async () => ((await checksOf(budget, 'action')).length ? true : undefined), 30_000, 'the first (budgeted) action');
    // The budget of one is spent: the next breach (after the 1 s cooldown) goes to a person.
    await new Promise((r) => setTimeout(r, 1500));
    await breach(budget, 2);
    const escalated = await waitFor(async () => {
      const s = await state(budget);
      return s.escalated ? s : undefined;
    }, 30_000, 'the escalation');
    expect(escalated).toMatchObject({ actions: 1 });
    const actions = await waitFor(async () => {
      const rows = await checksOf(budget, 'action');
      return rows.length >= 2 ? rows : undefined;
    }, 15_000, 'the escalation record');
    expect(actions.map((a) => a.action)).toEqual(['alert', 'escalate']);
    const opened = await h.database.db.select().from(incidents).where(eq(incidents.model, budget));
    expect(opened.find((i) => i.kind === 'escalation')?.summary).toMatch(/automatic action budget \(1\) spent; a person must decide/);
  }

  it('one breach in three checks does nothing, two act; breaches in the cooldown do not; a spent budget escalates', async () => {
    await Promise.all([kOfNAndCooldown(), budgetThenEscalation()]);
  }, 300_000);
});
