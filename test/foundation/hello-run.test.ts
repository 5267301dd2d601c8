import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runs, stepRuns } from '../../src/db/schema/index.js';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { command, definePipeline, gate, step } from '../../src/dsl/define.js';
import { startRun } from '../../src/runs/start.js';
import { searchAttributes } from '../../src/core/search-attributes.js';
import { z } from 'zod';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const double = defineStep('test.double', z.object({ x: z.number() }), async (_ctx, { x }) => ({ metrics: { value: x * 2 } }));

describe.each(backends())('a hello run on the real dev server ($name)', (backend) => {
  let database: TestDatabase;
  let repo: string;
  const taskQueue = uniqueQueue('hello');
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    database = await backend.create();
    repo = makeRepo({ 'data/points.csv': 'x,y\n1,2\n' });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [double] }, cwd: repo });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('runs every stage, records the run and its steps in Postgres, and sets search attributes', async () => {
    const loaded = parsePipeline(
      definePipeline({
        name: 'hello',
        datasets: [{ name: 'points', path: 'data/points.csv' }],
        build: [command('check', 'test -f data/points.csv && echo ok')],
        train: step('train', 'test.double', { x: 21 }),
        evaluate: { gates: [gate.min('value', 40)] },
      }),
      'hello.ts',
    );
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    const result = await handle.result();
    expect(result.state).toBe('succeeded');
    expect(result.metrics).toEqual({ value: 42 });
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);

    const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
    expect(run).toMatchObject({ pipeline: 'hello', status: 'succeeded', commit: result.commit, specHash: loaded.specHash, trigger: 'test' });
    expect(run!.finishedAt).toBeInstanceOf(Date);
    const steps = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, handle.workflowId)).orderBy(stepRuns.id);
    expect(steps.map((s) => [s.step, s.stage, s.status, s.attempts])).toEqual([
      ['check', 'build', 'succeeded', 1],
      ['train', 'train', 'succeeded', 1],
    ]);

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.pipeline)).toBe('hello');
    expect(description.typedSearchAttributes.get(searchAttributes.status)).toBe('succeeded');
    expect(description.typedSearchAttributes.get(searchAttributes.stage)).toBe('evaluate');
  });

  it('fails the run on a failed gate, naming the gate, the value and the bound', async () => {
    const loaded = parsePipeline(
      definePipeline({ name: 'hello-gate', train: step('train', 'test.double', { x: 1 }), evaluate: { gates: [gate.min('value', 5)] } }),
      'hello-gate.ts',
    );
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    await expect(handle.result()).rejects.toThrow();
    const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
    expect(run!.status).toBe('failed');
    expect(run!.error).toContain('gate min(value) failed: value = 2 < min 5');
  });

  it('fails a build whose command exits non-zero, with the tail of its output', async () => {
    const loaded = parsePipeline(
      definePipeline({ name: 'hello-build', build: [command('tests', 'echo "expected 3, got 4" >&2; exit 3', { retries: 0 })] }),
      'hello-build.ts',
    );
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    await expect(handle.result()).rejects.toThrow();
    const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
    expect(run!.status).toBe('failed');
    expect(run!.error).toMatch(/exited 3[\s\S]*expected 3, got 4/);
  });

  it('gives a command step no secret of the worker: only an allow-listed environment plus its own env', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ferry-env-')), 'env.txt');
    process.env.FERRY_SIGNING_KEY = 'worker-secret-key';
    process.env.SLACK_SIGNING_SECRET = 'worker-slack-secret';
    try {
      const loaded = parsePipeline(definePipeline({ name: 'hello-env', build: [command('dump', `env > ${out}`, { env: { DECLARED: 'yes' } })] }), 'hello-env.ts');
      await (await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' })).result();
      const seen = readFileSync(out, 'utf8');
      expect(seen).not.toContain('worker-secret-key');
      expect(seen).not.toContain('worker-slack-secret');
      expect(seen).not.toMatch(/^DATABASE_URL=/m);
      expect(seen).toMatch(/^DECLARED=yes$/m);
      expect(seen).toMatch(/^PATH=/m);
      expect(seen).toMatch(/^FERRY_OUTPUT_DIR=/m);
    } finally {
      delete process.env.FERRY_SIGNING_KEY;
      delete process.env.SLACK_SIGNING_SECRET;
    }
  });

  it('runs a failing command once by default (no retry of its own verdict), and as often as `retries` says', async () => {
    const counter = join(mkdtempSync(join(tmpdir(), 'ferry-count-')), 'attempts');
    const once = parsePipeline(definePipeline({ name: 'hello-once', build: [command('tests', `echo x >> ${counter}; exit 1`)] }), 'hello-once.ts');
    const first = await startRun(temporal.client, once, { taskQueue, trigger: 'test' });
    await expect(first.result()).rejects.toThrow();
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
    const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, first.workflowId));
    expect(run!.error).toContain('rerun it locally with: cd ');

    rmSync(counter);
    const twice = parsePipeline(definePipeline({ name: 'hello-twice', build: [command('tests', `echo x >> ${counter}; exit 1`, { retries: 1 })] }), 'hello-twice.ts');
    await expect((await startRun(temporal.client, twice, { taskQueue, trigger: 'test' })).result()).rejects.toThrow();
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
