import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorSchema } from '../../src/core/spec.js';
import { monitorStateQuery, type monitor } from '../../workflows/monitor.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { drifted, modelNames, predict, runPipeline, startHarness, stopMonitor, type Harness } from './harness.js';

/**
 * A check costs about 11 history events (a timer: 2; the check activity: 3; two workflow tasks: 6), so a run of two
 * checks, its start, one breach's actions (incident, alert, action record: 3 × 5) and the continue-as-new stays near 50
 * events. 100 leaves room, and still fails if history grew with the monitor's age (six checks alone would pass 60).
 */
const HISTORY_BOUND = 100;

describe.each(backends())('a monitor across continue-as-new generations ($name)', (backend) => {
  const { model } = modelNames('generations', ['model'] as const);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, [model]);
  });
  afterAll(async () => {
    await stopMonitor(h, model);
    await h?.close();
  });

  it('keeps its checks, actions and pending label windows through three generations, each with a small history', async () => {
    const { loaded } = await runPipeline(h, model, 0.8, { deploy: [{ env: 'production' }] });
    // One drifted window whose labels never come: a breach (acted on once, then cooling down) and a window left waiting.
    expect(await predict(h, model, drifted(40))).toMatchObject({ status: 200 });
    const spec = monitorSchema.parse({ every: '1s', maxDriftShare: 0.3, onBreach: 'alert', cooldown: '1h', minMetric: { metric: 'accuracy', min: 0.9 }, predictionField: 'label', labelWaitChecks: 100 });
    const workflowId = monitorWorkflowId(model, 'production');
    try {
      const first = await h.client.workflow.start<typeof monitor>('monitor', {
        workflowId,
        taskQueue: h.taskQueue,
        args: [{ model, env: 'production', spec, pipeline: { spec: loaded.spec, specHash: loaded.specHash, taskQueue: h.taskQueue }, checksPerRun: 2 }],
      });
      const handle = h.client.workflow.getHandle(workflowId);
      const state = await waitFor(async () => {
        const s = await handle.query(monitorStateQuery);
        return s.generation >= 3 && s.checks >= 6 ? s : undefined;
      }, 45_000, 'three continue-as-new generations');

      // The judgement made in generation 0 is still there: one action, the waiting window counted across every check.
      expect(state).toMatchObject({ model, env: 'production', actions: 1, escalated: false, recent: [false] });
      expect(state.cursor).toBeGreaterThan(0);
      expect(state.pendingWindows).toEqual([expect.objectContaining({ version: 1, toId: state.cursor })]);
      expect(state.pendingWindows[0]!.checks).toBeGreaterThanOrEqual(state.checks - 1);

      // Every generation's history is small: the first one ended by continuing as new, the current one is short too.
      const firstHistory = await h.client.workflow.getHandle(workflowId, first.firstExecutionRunId).fetchHistory();
      const events = firstHistory.events ?? [];
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      expect(events.length).toBeLessThan(HISTORY_BOUND);
      // Each check is scheduled with a heartbeat timeout (patch monitor-check-liveness): a check whose worker dies is
      // retried on another worker after a minute, not after its 5-minute start-to-close timeout.
      const checks = events.map((e) => e.activityTaskScheduledEventAttributes).filter((a) => a?.activityType?.name === 'runMonitorCheck');
      expect(checks.length).toBeGreaterThan(0);
      for (const c of checks) expect(Number(c!.heartbeatTimeout?.seconds)).toBe(60);
      const current = await handle.describe();
      expect(current.runId).not.toBe(first.firstExecutionRunId);
      expect((await handle.fetchHistory()).events?.length ?? Infinity).toBeLessThan(HISTORY_BOUND);
    } finally {
      await stopMonitor(h, model);
    }
  });
});
