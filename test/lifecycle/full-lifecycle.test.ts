import { and, asc, eq } from 'drizzle-orm';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { aliases, aliasHistory, approvals, auditLog, servingRoutes } from '../../src/db/schema/index.js';
import { approval, definePipeline, gate, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { decideUpdate } from '../../workflows/approval.js';
import { statusQuery } from '../../workflows/pipeline.js';
import type { promotion } from '../../workflows/promotion.js';
import { promotionWorkflowId } from '../../src/core/ids.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/cli.js';
import { generateKeyPair } from '../../src/auth/keys.js';
import { asUser, predictor, seedPeople, signDecision, trainStep, type Person } from './fixture.js';

describe.each(backends())('the full lifecycle on the real dev server ($name)', (backend) => {
  let database: TestDatabase;
  let server: ModelServer;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let people: Record<string, Person>;
  const taskQueue = uniqueQueue('lifecycle');
  const model = `lc-model`;

  const pipeline = (quality: number) =>
    parsePipeline(
      definePipeline({
        name: 'lifecycle',
        model,
        owner: 'alice',
        train: step('train', 'lc.train', { quality }),
        evaluate: { gates: [gate.min('accuracy', 0.5), gate.noRegression('accuracy', { tolerance: 0.2 })] },
        deploy: [
          { env: 'staging', approval: approval({ groups: ['ml-leads'] }) },
          { env: 'production', approval: approval({ required: 2, groups: ['ml-leads'] }) },
        ],
      }),
      'lifecycle.ts',
    );

  const deps = () => ({ client: temporal.client, db: database.db });
  const waitingFor = async (workflowId: string, env: string) => {
    let last: unknown;
    try {
      return await waitFor(async () => {
        const status = await temporal.client.workflow.getHandle(workflowId).query(statusQuery);
        last = status;
        return status.approvals?.some((a) => a.env === env) ? status : undefined;
      }, 60_000, `${workflowId} to wait for ${env}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
    }
  };

  beforeAll(async () => {
    database = await backend.create();
    people = await seedPeople(database.db);
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [predictor] }), port: 0, refreshMs: 100 });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [trainStep] }, cwd: makeRepo({ 'README.md': 'lifecycle\n' }), extra: { serveUrl: server.url } });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.close();
    await temporal?.close();
    await database?.close();
  });

  it('refuses bad approvals without counting them, deploys after the right ones, and rolls back', async () => {
    const handle = await startRun(temporal.client, pipeline(0.8), { taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    await waitingFor(handle.workflowId, 'staging');

    // Self-approval and a non-member are refused by the validator; a forged signature by the workflow.
    const self = await decide(deps(), { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.alice!), via: 'cli' });
    expect(self).toEqual({ ok: false, refusal: expect.stringMatching(/alice does not have the approver role|you triggered this run/) });
    const outsider = await decide(deps(), { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.eve!), via: 'cli' });
    expect(outsider).toEqual({ ok: false, refusal: 'eve is not a member of ml-leads, whose members approve for staging' });
    const forgedAt = new Date().toISOString();
    // Signed with a key nobody registered, claiming bob.
    const signed = signDecision(generateKeyPair(), { workflowId: handle.workflowId, env: 'staging', decision: 'approve', approver: 'bob', at: forgedAt, via: 'temporal-ui' });
    const { workflowId: _w, ...fields } = signed.decision;
    const forged = { ...fields, groups: ['ml-leads'], roles: ['approver'], signature: signed.signature };
    const err = await handle.executeUpdate(decideUpdate, { args: [forged] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as Error).cause)).toMatch(/forged or unsigned decision refused: key .* is not registered/);
    const stillWaiting = await handle.query(statusQuery);
    expect(stillWaiting.state).toBe('waiting');
    expect(stillWaiting.approvals?.[0]?.decisions).toEqual([]);

    expect(await decide(deps(), { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.bob!), via: 'cli' })).toMatchObject({ ok: true, result: { env: 'staging', outcome: 'approved' } });
    await waitingFor(handle.workflowId, 'production');
    expect(await decide(deps(), { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.bob!), via: 'cli' })).toMatchObject({ ok: true, result: { outcome: 'pending', progress: '1 of 2 approvals (bob)' } });
    expect(await decide(deps(), { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.bob!), via: 'cli' })).toEqual({ ok: false, refusal: 'bob already approved this run for production; each person decides once' });
    expect((await handle.query(statusQuery)).state).toBe('waiting');
    expect(await decide(deps(), { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.carol!), via: 'cli' })).toMatchObject({ ok: true, result: { outcome: 'approved' } });

    const first = await handle.result();
    expect(first).toMatchObject({ state: 'succeeded', modelVersion: 1, deployments: [{ env: 'staging', version: 1, state: 'live' }, { env: 'production', version: 1, state: 'live' }] });
    const refused = await database.db.select().from(approvals).where(and(eq(approvals.workflowId, handle.workflowId), eq(approvals.decision, 'refused')));
    // The forged one is recorded under the name it only claimed.
    expect(refused.map((r) => r.approver).sort()).toEqual(['alice', 'bob', 'eve', 'unverified:bob']);
    const live = (await (await fetch(`${server.url}/v1/models/${model}/version?env=production`)).json()) as { routes: unknown };
    expect(live.routes).toEqual([{ version: 1, percent: 100 }]);

    // v2 through both approvals, then a manual rollback (the path `ferry rollback` takes).
    const second = await startRun(temporal.client, pipeline(0.9), { taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    await waitingFor(second.workflowId, 'staging');
    await decide(deps(), { workflowId: second.workflowId, decision: 'approve', user: asUser(people.dave!), via: 'cli' });
    await waitingFor(second.workflowId, 'production');
    await decide(deps(), { workflowId: second.workflowId, decision: 'approve', user: asUser(people.dave!), via: 'cli' });
    await decide(deps(), { workflowId: second.workflowId, decision: 'approve', user: asUser(people.carol!), via: 'slack' });
    expect(await second.result()).toMatchObject({ state: 'succeeded', modelVersion: 2 });

    const back = await temporal.client.workflow.execute<typeof promotion>('promotion', {
      workflowId: promotionWorkflowId(model, 'production'),
      taskQueue,
      args: [{ model, env: 'production', target: 'local', strategy: { kind: 'all-at-once' }, kind: 'rollback', actor: 'bob', reason: 'v2 misbehaves' }],
    });
    expect(back).toMatchObject({ version: 1, from: 2, state: 'live' });
    const [production] = await database.db.select().from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production')));
    expect(production!.version).toBe(1);
    const history = await database.db.select().from(aliasHistory).where(and(eq(aliasHistory.model, model), eq(aliasHistory.alias, 'production'))).orderBy(asc(aliasHistory.id));
    expect(history.map((h) => [h.fromVersion, h.toVersion, h.actor])).toEqual([
      [null, 1, 'alice'],
      [1, 2, 'alice'],
      [2, 1, 'bob'],
    ]);
    const [routes] = await database.db.select().from(servingRoutes).where(and(eq(servingRoutes.model, model), eq(servingRoutes.env, 'production')));
    expect(routes!.routes).toEqual([{ version: 1, percent: 100 }]);
    const actions = (await database.db.select({ action: auditLog.action }).from(auditLog)).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['run.started', 'gate.result', 'model.registered', 'approval.refused', 'approval.decision', 'alias.moved', 'rollback', 'run.finished']));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});
