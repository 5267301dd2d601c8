import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditLog, runs } from '../../src/db/schema/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { reconcileRuns } from '../../src/runs/reconcile.js';
import { startRun } from '../../src/runs/start.js';
import { temporalRunState } from '../../src/runs/temporal-state.js';
import { installRuntime } from '../../src/temporal/runtime.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { runFerry, waitFor } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { trainStep } from './fixture.js';

const [backend] = backends();
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never;

// A run wedged on purpose: it waits for an approval on today's code, then a worker with incompatible workflow code
// (a bad upgrade) takes over, so every workflow task fails with a nondeterminism error and the run cannot move.
describe('a wedged run', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const repo = makeRepo({ 'README.md': 'wedge\n' });
  const taskQueue = uniqueQueue('wedge');
  let workflowId: string;
  let wedgedWorker: { stop(): Promise<void> };

  beforeAll(async () => {
    database = await backend!.create();
    temporal = await testClient();
    const good = await startTestWorker({ db: database.db, taskQueue, config: { steps: [trainStep] }, cwd: repo });
    const loaded = parsePipeline(
      definePipeline({ name: 'wedge', model: 'wedge', train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'staging', approval: approval({ expiresIn: '4s' }), target: 'local' }] }),
      'wedge.ts',
    );
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    workflowId = handle.workflowId;
    await waitFor(async () => ((await handle.query(statusQuery)).state === 'waiting' ? true : undefined), 60_000, 'the approval wait');
    await good.stop();
    // The expiry timer fires on the incompatible worker: its workflow task fails, and keeps failing.
    installRuntime();
    const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../replay/drifted-workflows.ts', import.meta.url)), logger: quiet });
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: bundle, activities: {} });
    const done = worker.run();
    wedgedWorker = {
      async stop() {
        worker.shutdown();
        await done;
        await connection.close();
      },
    };
  });
  afterAll(async () => {
    await wedgedWorker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('is reported as wedged with the failure, in Postgres and by ferry status, with an audit record', async () => {
    const state = await waitFor(async () => {
      const s = await temporalRunState(temporal.client, workflowId);
      return s.wedged ? s : undefined;
    // The server retries a failing workflow task with a growing backoff: 34–40 s here on a quiet machine, more under load.
    }, 110_000, 'the workflow task to fail twice');
    expect(state).toMatchObject({ status: 'RUNNING', wedged: { message: expect.stringContaining('Nondeterminism') } });

    const changed = await reconcileRuns(database.db, temporal.client);
    expect(changed).toEqual([expect.objectContaining({ workflowId, was: 'waiting', now: 'wedged' })]);
    const [row] = await database.db.select().from(runs).where(eq(runs.workflowId, workflowId));
    expect(row).toMatchObject({ status: 'wedged', error: expect.stringContaining('Nondeterminism') });
    const audited = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, workflowId), eq(auditLog.action, 'run.reconciled')));
    expect(audited).toHaveLength(1);
    // Reconciling again changes nothing and audits nothing new.
    expect(await reconcileRuns(database.db, temporal.client)).toEqual([]);

    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: database.url, FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-wedge-')), FERRY_TOKEN: '' };
    const shown = await runFerry(['status', workflowId], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`Run ${workflowId} .*status wedged`));
    expect(shown.stdout).toContain('Nondeterminism');
  });

  it('ferry cancel returns within its bound, says what to do, and --terminate ends the run; status then agrees', async () => {
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: database.url, FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-wedge-')), FERRY_TOKEN: '' };
    const token = (await runFerry(['users', 'add', 'operator'], { env })).stdout.trim();
    const asOperator = { ...env, FERRY_TOKEN: token };
    const bounded = await runFerry(['cancel', workflowId, '--wait', '2'], { env: asOperator, timeoutMs: 60_000 });
    expect(bounded.code).toBe(1);
    expect(bounded.stderr).toContain(`did not stop within 2 s: its workflow task keeps failing`);
    expect(bounded.stderr).toContain(`npx ferry cancel ${workflowId} --terminate`);
    expect((await temporalRunState(temporal.client, workflowId)).status).toBe('RUNNING');

    const terminated = await runFerry(['cancel', workflowId, '--wait', '1', '--terminate'], { env: asOperator, timeoutMs: 60_000 });
    expect(terminated.code, terminated.stderr).toBe(0);
    expect(terminated.stderr).toContain(`Run ${workflowId} terminated`);
    expect((await temporalRunState(temporal.client, workflowId)).status).toBe('TERMINATED');
    const [row] = await database.db.select().from(runs).where(eq(runs.workflowId, workflowId));
    expect(row).toMatchObject({ status: 'terminated' });
    const [audit] = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, workflowId), eq(auditLog.action, 'run.terminated')));
    expect(audit).toMatchObject({ actor: 'operator', reason: expect.stringContaining('ferry cancel --terminate') });
    const listed = await runFerry(['status', '--format', 'json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ run: workflowId, status: 'terminated' })]);
  });

  it('a run terminated outside Ferry is reconciled to terminated, with an audit record', async () => {
    const worker = await startTestWorker({ db: database.db, taskQueue: uniqueQueue('outside'), config: { steps: [trainStep] }, cwd: repo });
    try {
      const loaded = parsePipeline(definePipeline({ name: 'outside', model: 'outside', train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'staging', approval: approval(), target: 'local' }] }), 'outside.ts');
      const handle = await startRun(temporal.client, loaded, { taskQueue: worker.worker.options.taskQueue, trigger: 'test', triggeredBy: 'alice' });
      await waitFor(async () => ((await handle.query(statusQuery)).state === 'waiting' ? true : undefined), 60_000, 'the approval wait');
      await handle.terminate('by hand in the Temporal UI');
      const changed = await reconcileRuns(database.db, temporal.client);
      expect(changed).toEqual([expect.objectContaining({ workflowId: handle.workflowId, was: 'waiting', now: 'terminated' })]);
      const [row] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
      expect(row).toMatchObject({ status: 'terminated', error: expect.stringContaining('closed outside Ferry') });
      const audited = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, handle.workflowId), eq(auditLog.action, 'run.reconciled')));
      expect(audited).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });
});
