import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalNotice } from '../../activities/deps.js';
import { decide } from '../../src/approvals.js';
import { approvals } from '../../src/db/schema/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { waitFor } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { asUser, seedPeople, trainStep, type Person } from './fixture.js';

const [backend] = backends();

// Issue 17, step 9: reminders and escalation of an approval on the real dev server, durations in seconds.
describe('approval reminders and escalation', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let people: Record<string, Person>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const notices: ApprovalNotice[] = [];
  const taskQueue = uniqueQueue('escalation');

  beforeAll(async () => {
    database = await backend!.create();
    people = await seedPeople(database.db);
    temporal = await testClient();
    worker = await startTestWorker({
      db: database.db,
      taskQueue,
      config: { steps: [trainStep] },
      cwd: makeRepo({ 'README.md': 'escalation\n' }),
      extra: { notify: async (notice) => void notices.push(notice) },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('reminds every remindEvery, escalates after escalateAfter to escalateTo, who may then approve (not before)', async () => {
    // ml-leads approve; after 6 s the approval escalates to the risk group (eve), reminders every 2 s meanwhile.
    const rule = approval({ groups: ['ml-leads'], remindEvery: '2s', escalateAfter: '6s', escalateTo: ['risk'], expiresIn: '2m' });
    const spec = parsePipeline(definePipeline({ name: 'escalates', model: 'escalates', train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'staging', approval: rule, target: 'local' }] }), 'escalates.ts');
    const handle = await startRun(temporal.client, spec, { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    const mine = () => notices.filter((n) => n.workflowId === handle.workflowId);
    await waitFor(() => (mine().some((n) => n.kind === 'requested') ? true : undefined), 60_000, 'the approval request');

    const early = await decide({ client: temporal.client, db: database.db }, { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.eve!), via: 'cli' });
    expect(early).toMatchObject({ ok: false });
    expect(JSON.stringify(early)).toContain('eve is not a member of ml-leads');
    expect(JSON.stringify(early)).toContain('risk may decide once it escalates');

    const escalation = await waitFor(() => mine().find((n) => n.kind === 'escalation'), 60_000, 'the escalation');
    expect(escalation.to).toEqual(['risk']);
    const reminders = mine().filter((n) => n.kind === 'reminder');
    // Requested at t0; reminders at 2 s and 4 s come before the escalation at 6 s (durable timers, not a poll).
    expect(reminders.length).toBeGreaterThanOrEqual(2);
    expect(mine().findIndex((n) => n.kind === 'reminder')).toBeLessThan(mine().findIndex((n) => n.kind === 'escalation'));

    const late = await decide({ client: temporal.client, db: database.db }, { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.eve!), via: 'cli' });
    expect(late).toMatchObject({ ok: true, result: { outcome: 'approved' } });
    await handle.result().catch(() => undefined); // the local deploy has no model server here; the approval is what counts
    const status = await handle.query(statusQuery);
    expect(status.stages.find((s) => s.name === 'approve:staging')?.state).toBe('succeeded');
    const rows = await database.db.select().from(approvals).where(and(eq(approvals.workflowId, handle.workflowId), eq(approvals.approver, 'eve')));
    // The refusal before the escalation is on record too.
    expect(rows.map((r) => r.decision).sort()).toEqual(['approve', 'refused']);
  });

  it('without escalateTo, escalation only notifies: outsiders stay refused', async () => {
    const rule = approval({ groups: ['ml-leads'], escalateAfter: '2s', expiresIn: '1m' });
    const spec = parsePipeline(definePipeline({ name: 'notifies', model: 'notifies', train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'staging', approval: rule, target: 'local' }] }), 'notifies.ts');
    const handle = await startRun(temporal.client, spec, { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    await waitFor(() => (notices.some((n) => n.workflowId === handle.workflowId && n.kind === 'escalation') ? true : undefined), 60_000, 'the escalation');
    const outsider = await decide({ client: temporal.client, db: database.db }, { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.eve!), via: 'cli' });
    expect(outsider).toMatchObject({ ok: false });
    expect(JSON.stringify(outsider)).toContain('eve is not a member of ml-leads');
    const lead = await decide({ client: temporal.client, db: database.db }, { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.bob!), via: 'cli' });
    expect(lead).toMatchObject({ ok: true, result: { outcome: 'approved' } });
    await handle.result().catch(() => undefined);
  });
});
