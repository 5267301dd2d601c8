import { randomBytes } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runs } from '../../src/db/schema/index.js';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { command, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { UsageError } from '../../src/core/errors.js';
import { addSchedule, listSchedules, parseEvery, removeSchedule, type ScheduleRow } from '../../src/triggers/schedules.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const count = defineStep('schedule.count', z.object({ n: z.number() }), async (_ctx, { n }) => ({ metrics: { n } }));

/** Polls until `probe` returns a value (schedule listing and recent actions are eventually consistent). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(backends())('pipeline schedules on the real dev server ($name)', (backend) => {
  let database: TestDatabase;
  const taskQueue = uniqueQueue('schedule');
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    database = await backend.create();
    const repo = makeRepo({ 'README.md': 'scheduled\n' });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [count] }, cwd: repo });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('adds a schedule, lists it with its next run, runs it when triggered, and removes it', async () => {
    const loaded = parsePipeline(
      definePipeline({ name: 'nightly', params: { n: 3 }, build: [command('check', 'test -f README.md')], train: step('count', 'schedule.count', { n: 3 }) }),
      'pipelines/nightly.ts',
    );
    const id = `nightly-${randomBytes(4).toString('hex')}`;
    const added = await addSchedule(temporal.client, loaded, { every: '1d', id, taskQueue, createdBy: 'erin' });
    expect(added.id).toBe(id);
    expect(added.nextRuns[0]!.getTime()).toBeGreaterThan(Date.now());

    const listed = await eventually(async () => (await listSchedules(temporal.client)).find((r) => r.id === id), 'the schedule in the list');
    expect(listed).toMatchObject<Partial<ScheduleRow>>({ id, pipeline: 'nightly', every: '1d', specHash: loaded.specHash, paused: false });
    expect(listed.nextRuns.length).toBeGreaterThan(0);

    const handle = temporal.client.schedule.getHandle(id);
    await handle.trigger();
    const workflowId = await eventually(async () => (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId, 'the triggered run');
    expect(workflowId.startsWith(`${id}-`)).toBe(true);
    const result = await temporal.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ state: 'succeeded', metrics: { n: 3 } });
    const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, workflowId));
    expect(run).toMatchObject({ pipeline: 'nightly', trigger: 'schedule', triggeredBy: 'erin', specHash: loaded.specHash, status: 'succeeded' });

    await removeSchedule(temporal.client, id);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await expect(removeSchedule(temporal.client, id)).rejects.toThrow(`schedule ${id}: no such schedule`);
  });

  it('refuses a second schedule with the same id, naming --id', async () => {
    const loaded = parsePipeline(definePipeline({ name: 'twice', build: [command('ok', 'true')] }), 'pipelines/twice.ts');
    const id = `twice-${randomBytes(4).toString('hex')}`;
    await addSchedule(temporal.client, loaded, { every: '12h', id, taskQueue });
    try {
      await expect(addSchedule(temporal.client, loaded, { every: '12h', id, taskQueue })).rejects.toThrow(`--id ${id}: a schedule with this id exists`);
    } finally {
      await removeSchedule(temporal.client, id);
    }
  });
});

describe('--every', () => {
  it.each(['1d', '12h', '30m', '1.5h', '1s'])('accepts %s', (every) => {
    expect(parseEvery(every)).toBeGreaterThanOrEqual(1000);
  });
  it.each([['daily', 'expected a duration like'], ['1w', 'expected a duration like'], ['500ms', 'expected at least 1s']])('refuses %s with a usage error naming the flag', (every, message) => {
    expect(() => parseEvery(every)).toThrow(UsageError);
    expect(() => parseEvery(every)).toThrow(`--every ${every}: ${message}`);
  });
});
