import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployActivities } from '../../activities/deploy.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { queryAudit, verifyAuditChain } from '../../src/audit/index.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { FerryFailure } from '../../src/core/failures.js';
import { deployments } from '../../src/db/schema/index.js';
import { canaryHealth, createLocalTarget } from '../../src/deploy/index.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';

describe.each(backends())('deploy activities ($name)', (backend) => {
  let database: TestDatabase;
  let server: ModelServer;
  let activities: ReturnType<typeof createDeployActivities>;

  const predict = (n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => fetch(`${server.url}/v1/models/toy/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: i }] }) }).then((r) => r.status)));

  beforeAll(async () => {
    database = await backend.create();
    // v2 is a broken build: every prediction throws.
    await registerToyVersions(database.db, 'toy', { 1: { slope: 1, intercept: 0 }, 2: { slope: 0, intercept: 0, fail: 'shape mismatch' }, 3: { slope: 3, intercept: 0 } });
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy')] }), port: 0, refreshMs: 20, logger: { flushMs: 20 } });
    const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    const deps = { db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: home };
    activities = createDeployActivities(deps, { targets: { local: createLocalTarget({ db: database.db, serveUrl: server.url }) }, verify: { attempts: 100, intervalMs: 20 } });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('rolls an erroring canary back: health gate fails on the logged errors, traffic returns to stable, all audited', async () => {
    const key = 'wf-canary-bad:deploy:production';
    await activities.applyRoutes({ model: 'toy', env: 'production', target: 'local', routes: [{ version: 1, percent: 100 }], idempotencyKey: 'wf-initial:deploy:production', workflowId: 'wf-initial' });
    const since = new Date(Date.now() - 1000).toISOString();
    const step = await activities.applyRoutes({ model: 'toy', env: 'production', target: 'local', routes: [{ version: 1, percent: 50 }, { version: 2, percent: 50 }], version: 2, idempotencyKey: key, strategy: 'canary', workflowId: 'wf-canary-bad' });
    expect(step).toMatchObject({ status: 'deploying', trafficPercent: 50 });
    const statuses = await predict(60);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
    // The log is written in batches: wait until every failed request is in it.
    await expect.poll(async () => (await canaryHealth(database.db, { model: 'toy', env: 'production', version: 2, since, maxErrorRate: 0.05 })).requests).toBe(statuses.filter((s) => s === 500).length);
    const health = await activities.checkCanaryHealth({ model: 'toy', env: 'production', version: 2, since, maxErrorRate: 0.05, workflowId: 'wf-canary-bad', idempotencyKey: 'wf-canary-bad:health:1' });
    expect(health).toMatchObject({ healthy: false, errorRate: 1 });

    const back = await activities.applyRoutes({ model: 'toy', env: 'production', target: 'local', routes: [{ version: 1, percent: 100 }], idempotencyKey: key, workflowId: 'wf-canary-bad', reason: health.reason });
    expect(back).toMatchObject({ status: 'rolled-back', trafficPercent: 0, live: { routes: [{ version: 1, percent: 100 }] } });
    const [row] = await database.db.select().from(deployments).where(eq(deployments.idempotencyKey, key));
    expect(row).toMatchObject({ version: 2, status: 'rolled-back', strategy: 'canary', workflowId: 'wf-canary-bad' });

    const audit = await queryAudit(database.db, { model: 'toy' });
    const mine = audit.filter((a) => a.workflowId === 'wf-canary-bad').map((a) => a.action);
    expect(mine).toEqual(['deployment.started', 'gate.result', 'rollback']);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('takes a healthy canary to 100%, superseding the old live deployment; a retried step writes nothing twice', async () => {
    const key = 'wf-canary-good:deploy:production';
    const canary = { model: 'toy', env: 'production', target: 'local' as const, routes: [{ version: 1, percent: 90 }, { version: 3, percent: 10 }], idempotencyKey: key, strategy: 'canary', workflowId: 'wf-canary-good' };
    const first = await activities.applyRoutes(canary);
    const retried = await activities.applyRoutes(canary);
    expect(retried.generation).toBe(first.generation);
    const full = await activities.applyRoutes({ ...canary, routes: [{ version: 3, percent: 100 }] });
    expect(full).toMatchObject({ status: 'live', trafficPercent: 100 });
    const rows = await database.db.select().from(deployments).orderBy(deployments.id);
    expect(rows.map((r) => [r.idempotencyKey, r.version, r.status])).toEqual([
      ['wf-initial:deploy:production', 1, 'superseded'],
      ['wf-canary-bad:deploy:production', 2, 'rolled-back'],
      [key, 3, 'live'],
    ]);
    const actions = (await queryAudit(database.db, { model: 'toy' })).filter((a) => a.workflowId === 'wf-canary-good').map((a) => a.action);
    expect(actions).toEqual(['deployment.started', 'deployment.finished']);
  });

  it('fails a deploy the live state never confirms retryably, and bad routes without retries', async () => {
    const failing = createDeployActivities(
      { db: database.db, store: createFileStore(tmpdir()), config: configFrom({}), home: tmpdir(), cwd: tmpdir() },
      { targets: { local: createLocalTarget({ db: database.db, serveUrl: server.url }) }, verify: { attempts: 2, intervalMs: 10 } },
    );
    const err = await failing.applyRoutes({ model: 'toy', env: 'qa', target: 'local', routes: [{ version: 42, percent: 100 }], idempotencyKey: 'wf-x:qa' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryFailure);
    expect((err as FerryFailure).nonRetryable).toBe(false);
    expect((err as FerryFailure).type).toBe('DeploymentMismatch');
    const bad = await failing.applyRoutes({ model: 'toy', env: 'qa', target: 'local', routes: [{ version: 1, percent: 60 }] }).catch((e: unknown) => e);
    expect((bad as FerryFailure).nonRetryable).toBe(true);
    expect((bad as Error).message).toContain('route percentages must sum to 100');
  });
});
