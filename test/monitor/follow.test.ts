/**
 * The monitor follows the live deployment (issue 17, item 1): a second deploy hands the running monitor its own monitor
 * settings and spec, and a breach with `onBreach: 'retrain'` starts a retrain of the version in production that goes
 * through the same approval, with lineage naming the run it retrains and the breach (step 9: retrain with approval).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals.js';
import { incidents, monitorChecks } from '../../src/db/schema/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { lineageOf } from '../../src/lineage/query.js';
import { startRun } from '../../src/runs/start.js';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { monitorStateQuery } from '../../workflows/monitor.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { waitFor } from '../helpers/cli.js';
import { backends } from '../helpers/db.js';
import { asUser, type Person } from '../lifecycle/fixture.js';
import { drifted, modelNames, predict, runPipeline, startHarness, stopMonitor, type Harness } from './harness.js';

const [backend] = backends();

describe('the monitor follows the live deployment', () => {
  const { follow } = modelNames('follow', ['follow'] as const);
  let h: Harness;
  const bob: Person = { name: 'bob', groups: ['ml-leads'], roles: ['approver'] };
  beforeAll(async () => {
    h = await startHarness(backend!, [follow]);
  });
  afterAll(async () => {
    await stopMonitor(h, follow);
    await h?.close();
  });

  const approveWhenWaiting = async (workflowId: string) => {
    await waitFor(async () => ((await h.client.workflow.getHandle(workflowId).query(statusQuery)).state === 'waiting' ? true : undefined), 90_000, `${workflowId} to wait for approval`);
    const outcome = await decide({ client: h.client, db: h.database.db }, { workflowId, decision: 'approve', user: asUser(bob), via: 'cli' });
    expect(outcome).toMatchObject({ ok: true, result: { outcome: 'approved' } });
  };

  it('retrain with approval: a second deploy changes what the monitor checks; its breach retrains, waits for approval, is approved, and the lineage names the parent run and the breach', async () => {
    // First deploy: drift needs 1000 rows, breaches only alert.
    const first = { every: '2s', maxDriftShare: 0.3, onBreach: 'alert' as const, minRows: 1000 };
    expect((await runPipeline(h, follow, 0.8, { deploy: [{ env: 'production' }], monitor: first })).result).toMatchObject({ state: 'succeeded' });
    const monitor = h.client.workflow.getHandle(monitorWorkflowId(follow, 'production'));
    expect((await monitor.query(monitorStateQuery)).spec).toMatchObject({ minRows: 1000, onBreach: 'alert' });

    // Second deploy, approved: drift on 30 rows, and a breach retrains (once).
    const second = { every: '2s', maxDriftShare: 0.3, onBreach: 'retrain' as const, minRows: 30, maxActions: 1 };
    const spec = parsePipeline(
      definePipeline({ name: follow, model: follow, owner: 'alice', train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'production', approval: approval({ groups: ['ml-leads'] }) }], monitor: second }),
      `${follow}.ts`,
    );
    const run = await startRun(h.client, spec, { taskQueue: h.taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    await approveWhenWaiting(run.workflowId);
    expect(await run.result()).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const followed = await waitFor(async () => {
      const s = await monitor.query(monitorStateQuery);
      return s.run === run.workflowId ? s : undefined;
    }, 30_000, 'the monitor to follow the second run');
    expect(followed.spec).toMatchObject({ minRows: 30, onBreach: 'retrain', maxActions: 1 });

    // 40 drifted rows: under the first settings too few to check; under the second a drift breach that retrains.
    expect((await predict(h, follow, drifted(40))).status).toBe(200);
    const action = await waitFor(async () => {
      const [row] = await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, follow), eq(monitorChecks.kind, 'action')));
      return row;
    }, 90_000, 'the retrain action');
    expect(action.action).toBe('retrain');
    const [incident] = await h.database.db.select().from(incidents).where(and(eq(incidents.model, follow), eq(incidents.kind, 'drift')));
    expect(incident).toBeDefined();
    const { retrainWorkflowId } = action.result as { retrainWorkflowId: string };

    // The retrain waits for the same approval, is approved, and registers version 3 from the second run's spec.
    await approveWhenWaiting(retrainWorkflowId);
    const retrained = await h.client.workflow.getHandle(retrainWorkflowId).result();
    expect(retrained).toMatchObject({ state: 'succeeded', modelVersion: 3 });
    const lineage = await lineageOf(h.database.db, follow, 3);
    expect(lineage?.upstream).toMatchObject({ trigger: 'retrain', triggeredBy: 'ferry-monitor', specHash: spec.specHash, parentRuns: [run.workflowId, `incident:${incident!.id}`] });
  }, 400_000);
});
