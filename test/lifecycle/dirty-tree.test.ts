import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runs } from '../../src/db/schema/index.js';
import { definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { failureOf, startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { trainStep } from './fixture.js';

const [backend] = backends();

// Issue 17, step 9: a run records a commit, so a working tree with uncommitted changes to tracked files is refused.
describe('the dirty-tree refusal', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const repo = makeRepo({ 'README.md': 'clean\n', 'data.csv': 'x\n1\n' });
  const taskQueue = uniqueQueue('dirty');
  const pipeline = (name: string, allowDirty?: boolean) =>
    parsePipeline(definePipeline({ name, model: name, repo: { path: '.', ...(allowDirty ? { allowDirty } : {}) }, train: step('train', 'lc.train', { quality: 0.8 }) }), `pipelines/${name}.ts`);

  beforeAll(async () => {
    database = await backend!.create();
    temporal = await testClient();
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [trainStep] }, cwd: repo });
    writeFileSync(join(repo, 'data.csv'), 'x\n2\n'); // a tracked file changed, not committed
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('fails the run at integrate, naming the repository and the fix, and trains nothing', async () => {
    const handle = await startRun(temporal.client, pipeline('dirty'), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    const failure = failureOf(history);
    const message = `${failure?.message ?? ''} ${failure?.cause?.message ?? ''}`;
    expect(message).toContain(`integrate: ${repo} has uncommitted changes to tracked files; commit them (the run records a commit) or set repo.allowDirty: true`);
    const started = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
    expect(started).not.toContain('runStep');
    const [row] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
    expect(row?.status).toBe('failed');
  });

  it('runs with repo.allowDirty: true and records that the tree was dirty', async () => {
    const handle = await startRun(temporal.client, pipeline('dirty-allowed', true), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    const result = await handle.result();
    expect(result.state).toBe('succeeded');
    // The integrate activity's result in the history says the commit was taken from a dirty tree.
    const history = await handle.fetchHistory();
    const results = (history.events ?? []).flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []).map((p) => Buffer.from(p.data!).toString('utf8'));
    const integrated = results.map((r) => JSON.parse(r) as { dirty?: boolean; commit?: string }).find((r) => typeof r.commit === 'string' && 'dirty' in r);
    expect(integrated?.dirty).toBe(true);
  });
});
