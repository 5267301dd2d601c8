import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepRuns } from '../../src/db/schema/index.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { definePipeline, step } from '../../src/dsl/define.js';
import { describeProgress, formatProgress, renderRunView } from '../../src/observability/live-view.js';
import { watchStatus } from '../../src/observability/watch-status.js';
import { startRun } from '../../src/runs/start.js';
import { runFerry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import type { RunStatus } from '../../src/core/status.js';
import { gateFile, logContextStep, observedPipeline, slowTrain } from './fixture.js';

function collector() {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { out, text: () => text };
}

describe('the live view, frame by frame', () => {
  it('draws progress as a bar from a fraction, a percent or done/total, with the other fields after it', () => {
    expect(formatProgress(0.25, 8)).toBe('[##......]  25%');
    expect(formatProgress({ percent: 50, epoch: 5, message: 'training' }, 4)).toBe('[##..]  50% epoch=5 message=training');
    expect(formatProgress({ done: 3, total: 4 }, 4)).toBe('[###.]  75% 3/4');
    expect(formatProgress('compiling')).toBe('compiling');
    expect(formatProgress(undefined)).toBe('');
  });

  it('lists stages with state and duration, running ones counting up, and progress under the running stage', () => {
    const status: RunStatus = {
      workflowId: 'w-1',
      pipeline: 'p',
      model: 'm',
      state: 'running',
      stage: 'train',
      stages: [
        { name: 'integrate', state: 'succeeded', startedAt: 0, finishedAt: 1500, detail: 'resolving HEAD' },
        { name: 'train', state: 'running', startedAt: 1500, detail: 'train with seed 0' },
      ],
    };
    const lines = renderRunView(status, [{ activity: 'runStep', attempt: 2, progress: { percent: 40 }, heartbeatAt: 150_000 }], 151_500);
    expect(lines[0]).toBe('Run w-1  pipeline p  model m  running');
    expect(lines[2]).toMatch(/^ {2}✓ integrate\s+succeeded\s+1\.5s {2}resolving HEAD$/);
    expect(lines[3]).toMatch(/^ {2}▶ train\s+running\s+2m30s {2}train with seed 0$/);
    expect(lines[4]).toBe('      ↳ runStep attempt 2  [########............]  40% (heartbeat 1.5s ago)');
  });
});

describe('ferry status --watch, usage', () => {
  it('needs a run id, and refuses --format json', async () => {
    const noRun = await runFerry(['status', '--watch']);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain('--watch: name the run to watch');
    const json = await runFerry(['status', 'some-run', '--watch', '--format', 'json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--watch: redraws text');
  });
});

describe.each(backends().slice(0, 1))('watching a real run ($name)', (backend) => {
  let database: TestDatabase;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const taskQueue = uniqueQueue('obs-live');

  beforeAll(async () => {
    database = await backend.create();
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [slowTrain, logContextStep] }, cwd: makeRepo({ 'README.md': 'live\n' }) });
    temporal = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('shows the step\u2019s heartbeat progress while it trains, redraws in place, and stops when the run finishes', async () => {
    const gate = gateFile();
    const handle = await startRun(temporal.client, observedPipeline('obs-live', gate.path), { taskQueue, trigger: 'test' });
    await expect
      .poll(async () => (await describeProgress(handle)).activities.find((a) => a.activity === 'runStep')?.progress, { timeout: 30_000 })
      .toMatchObject({ message: 'training', percent: expect.any(Number) });

    const screen = collector();
    const watching = watchStatus(handle, { out: screen.out, redraw: true, intervalMs: 200 });
    await expect.poll(() => screen.text(), { timeout: 30_000 }).toMatch(/↳ runStep {2}\[#*\.*\] +\d+% epoch=\d+ message=training/);
    gate.release();
    const final = await watching;
    expect(final?.state).toBe('succeeded');
    const text = screen.text();
    // Later frames move the cursor up over the previous one and clear below it.
    expect(text).toMatch(/\x1b\[\d+F\x1b\[0J/);
    const lastFrame = text.slice(text.lastIndexOf('Run '));
    expect(lastFrame).toMatch(/✓ train\s+succeeded\s+\d+\.\ds/);
    expect(lastFrame).toMatch(/✓ evaluate\s+succeeded/);
    expect(lastFrame).not.toContain('↳');
  });

  it('binds the run, the activity and the step to every log line a step writes', async () => {
    const loaded = parsePipeline(definePipeline({ name: 'obs-logs', train: step('train', 'obs.log-context') }), 'obs-logs.ts');
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    await handle.result();
    const [row] = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, handle.workflowId));
    const bindings = (row!.output as { result: { bindings: Record<string, unknown> } }).result.bindings;
    expect(bindings).toMatchObject({ workflowId: handle.workflowId, runId: expect.any(String), activity: 'runStep', attempt: 1, step: 'train', stage: 'train' });
  });
});
