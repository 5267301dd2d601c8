import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decide } from '../../src/approvals.js';
import { approvals, modelVersions, runs, stepRuns } from '../../src/db/schema/index.js';
import { defineStep, type FerryConfig } from '../../src/dsl/ferry-config.js';
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

// Waits, restarts, expiries, cancellations and resource queues, each on the real dev server.
describe('durable approvals, cancellation and task queues', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let people: Record<string, Person>;
  const repo = makeRepo({ 'README.md': 'durability\n' });
  const taskQueue = uniqueQueue('durable');
  const workerFor = (queue = taskQueue, steps: FerryConfig['steps'] = [trainStep], workflows?: boolean) =>
    startTestWorker({ db: database.db, taskQueue: queue, config: { steps }, cwd: repo, workflows });
  const pipeline = (name: string, rule = approval({ groups: ['ml-leads'] })) =>
    parsePipeline(definePipeline({ name, model: name, train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'staging', approval: rule, target: 'local' }] }), `${name}.ts`);
  const waiting = (workflowId: string) =>
    waitFor(async () => ((await temporal.client.workflow.getHandle(workflowId).query(statusQuery)).state === 'waiting' ? true : undefined), 60_000, `${workflowId} to wait`);

  beforeAll(async () => {
    database = await backend!.create();
    people = await seedPeople(database.db);
    temporal = await testClient();
  });
  afterAll(async () => {
    await temporal?.close();
    await database?.close();
  });

  it('counts an approval that arrives after the worker was replaced', async () => {
    const first = await workerFor();
    const handle = await startRun(temporal.client, pipeline('restart'), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    await waiting(handle.workflowId);
    await first.stop();
    const second = await workerFor();
    try {
      // The deploy fails without a model server; what matters is that the decision was validated and counted.
      const outcome = await decide({ client: temporal.client, db: database.db }, { workflowId: handle.workflowId, decision: 'approve', user: asUser(people.bob!), via: 'cli' });
      expect(outcome).toMatchObject({ ok: true, result: { outcome: 'approved' } });
      await handle.result().catch(() => undefined);
      const status = await handle.query(statusQuery);
      expect(status.stages.find((s) => s.name === 'approve:staging')?.state).toBe('succeeded');
      const [row] = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, handle.workflowId));
      expect(row).toMatchObject({ step: 'train', status: 'succeeded', attempts: 1 });
    } finally {
      await second.stop();
    }
  });

  it('rejects the run when nobody decides before the approval expires', async () => {
    const worker = await workerFor();
    try {
      const handle = await startRun(temporal.client, pipeline('expiry', approval({ expiresIn: '2s' })), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
      const result = await handle.result();
      expect(result.state).toBe('rejected');
      const [expired] = await database.db.select().from(approvals).where(and(eq(approvals.workflowId, handle.workflowId), eq(approvals.decision, 'expired')));
      expect(expired).toMatchObject({ env: 'staging', approver: 'ferry', reason: 'no decision within 2s' });
      const [version] = await database.db.select().from(modelVersions).where(eq(modelVersions.sourceWorkflowId, handle.workflowId));
      expect(version!.status).toBe('rejected');
    } finally {
      await worker.stop();
    }
  });

  it('cancels a waiting run at a safe point and runs its compensation', async () => {
    const worker = await workerFor();
    try {
      const handle = await startRun(temporal.client, pipeline('cancel'), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
      await waiting(handle.workflowId);
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
      expect(run).toMatchObject({ status: 'cancelled' });
      const [version] = await database.db.select().from(modelVersions).where(eq(modelVersions.sourceWorkflowId, handle.workflowId));
      expect(version!.status).toBe('rejected');
    } finally {
      await worker.stop();
    }
  });

  it('runs a step declared with a task queue only on the workers polling that queue', async () => {
    const gpuQueue = uniqueQueue('gpu');
    const ranOn: string[] = [];
    const onGpu = defineStep('gpu.fit', z.object({}), async () => {
      ranOn.push('gpu');
      return { metrics: { accuracy: 1 } };
    });
    // The main worker does not even know the step: had it run there, the run would fail with "not registered".
    const main = await workerFor(taskQueue, [trainStep]);
    const gpu = await workerFor(gpuQueue, [onGpu], false);
    try {
      const loaded = parsePipeline(definePipeline({ name: 'gpu-run', train: step('train', 'gpu.fit', {}, { taskQueue: gpuQueue }) }), 'gpu-run.ts');
      const result = await (await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' })).result();
      expect(result).toMatchObject({ state: 'succeeded', metrics: { accuracy: 1 } });
      expect(ranOn).toEqual(['gpu']);
    } finally {
      await main.stop();
      await gpu.stop();
    }
  });

  it('fails a step on a task queue nobody polls, naming the queue and the command that starts a worker for it', async () => {
    const worker = await workerFor();
    try {
      const loaded = parsePipeline(definePipeline({ name: 'no-gpu', train: step('train', 'lc.train', { quality: 0.8 }, { taskQueue: 'gpu-typo', queueTimeout: '3s' }) }), 'no-gpu.ts');
      const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
      await expect(handle.result()).rejects.toThrow();
      const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
      expect(run).toMatchObject({ status: 'failed', error: `step "train": no worker picked it up from task queue "gpu-typo" within 3s; start one with 'npx ferry worker --task-queue gpu-typo' (or fix the step's taskQueue)` });
    } finally {
      await worker.stop();
    }
  });
});
