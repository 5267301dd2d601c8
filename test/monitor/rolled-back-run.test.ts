import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promotionWorkflowId } from '../../src/core/ids.js';
import { modelVersions, runs } from '../../src/db/schema/index.js';
import { definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { backends } from '../helpers/db.js';
import { historyToJson } from '../replay/history-json.js';
import { modelNames, production, runPipeline, startHarness, startTraffic, type Harness } from './harness.js';

// A whole pipeline run whose canary errors: the promotion child returns traffic to v1 and the run fails as RolledBack.
// FERRY_RECORD_HISTORIES=1 keeps its histories (the run's and its promotion's) for the replay suite, as
// test/replay/histories/rolled-back-*.json.
const historiesDir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
const canary = { kind: 'canary' as const, steps: [50, 100], bake: '3s', maxErrorRate: 0.05, minRequests: 10 };

describe.each(backends().slice(0, 1))('a run whose canary errors ($name)', (backend) => {
  const { model } = modelNames('rolled', ['model'] as const);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, [model]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fails as RolledBack with v1 still serving, the version marked and the run recorded failed', async () => {
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env: 'production' }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    const loaded = parsePipeline(
      definePipeline({ name: model, model, owner: 'alice', train: step('train', 'lc.train', { quality: 0.3 }), deploy: [{ env: 'production', strategy: canary }] }),
      `${model}.ts`,
    );
    const traffic = startTraffic(h, model);
    const handle = await startRun(h.client, loaded, { taskQueue: h.taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    await traffic.stop();

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'RolledBack', message: expect.stringMatching(/^deploy to production rolled back: .*error rate/) });
    expect(traffic.versions[2]).toBeGreaterThan(0);
    expect(await production(h, model)).toEqual({ alias: 1, routes: [{ version: 1, percent: 100 }], served: [{ version: 1, percent: 100 }] });
    const [v2] = await h.database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, 2)));
    expect(v2?.status).not.toBe('production');
    const [run] = await h.database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/rolled back/) });

    if (process.env.FERRY_RECORD_HISTORIES) {
      mkdirSync(historiesDir, { recursive: true });
      const promotion = h.client.workflow.getHandle(promotionWorkflowId(model, 'production'));
      writeFileSync(`${historiesDir}rolled-back-pipelineRun.json`, `${historyToJson(await handle.fetchHistory())}\n`);
      writeFileSync(`${historiesDir}rolled-back-promotion.json`, `${historyToJson(await promotion.fetchHistory())}\n`);
    }
  }, 240_000);
});
