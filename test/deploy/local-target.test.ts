import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/dsl/load-config.js';
import { servingRoutes } from '../../src/db/schema/index.js';
import { createLocalTarget, DeploymentMismatchError, verifyDeployment, verifyLiveState, type DeploymentTarget } from '../../src/deploy/index.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';

describe.each(backends())('the local deployment target ($name)', (backend) => {
  let database: TestDatabase;
  let server: ModelServer;
  let target: DeploymentTarget;
  const fast = { attempts: 50, intervalMs: 20 };

  beforeAll(async () => {
    database = await backend.create();
    await registerToyVersions(database.db, 'toy', { 1: { slope: 1, intercept: 0 }, 2: { slope: 2, intercept: 0 } });
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('toy')] }), port: 0, refreshMs: 20 });
    target = createLocalTarget({ db: database.db, serveUrl: server.url });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('deploys, and reads back the generation the server has loaded', async () => {
    const live = await verifyDeployment(target, { model: 'toy', env: 'production', version: 1, routes: [{ version: 1, percent: 100 }] }, fast);
    expect(live).toMatchObject({ generation: 1, routes: [{ version: 1, percent: 100 }] });
  });

  it('is idempotent: the same routes again keep the generation, new routes bump it', async () => {
    const canary = { model: 'toy', env: 'production', version: 2, routes: [{ version: 2, percent: 10 }, { version: 1, percent: 90 }] };
    const first = await verifyDeployment(target, canary, fast);
    const again = await verifyDeployment(target, canary, fast);
    expect(first.generation).toBe(2);
    expect(again.generation).toBe(2);
    const [row] = await database.db.select().from(servingRoutes).where(eq(servingRoutes.env, 'production'));
    expect(row).toMatchObject({ generation: 2, routes: [{ version: 1, percent: 90 }, { version: 2, percent: 10 }] });
  });

  it('catches a route silently reverted behind its back', async () => {
    const req = { model: 'toy', env: 'production', version: 2, routes: [{ version: 2, percent: 100 }] };
    const live = await verifyDeployment(target, req, fast);
    await database.db.update(servingRoutes).set({ routes: [{ version: 1, percent: 100 }] }).where(eq(servingRoutes.env, 'production'));
    await server.refresh();
    const err = await verifyLiveState(target, req, live.generation, { attempts: 2, intervalMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeploymentMismatchError);
    expect((err as Error).message).toContain('toy/production serves v1:100');
    expect((err as DeploymentMismatchError).retryable).toBe(true);
    // Deploying again repairs it, under a new generation.
    expect((await verifyDeployment(target, req, fast)).generation).toBeGreaterThan(live.generation);
  });

  it('reports a version the server cannot load as a mismatch rather than a success', async () => {
    const err = await verifyDeployment(target, { model: 'toy', env: 'staging', version: 9, routes: [{ version: 9, percent: 100 }] }, { attempts: 3, intervalMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeploymentMismatchError);
    expect((err as Error).message).toContain('serves nothing');
  });

  it('names FERRY_SERVE_URL when it has no server to read back from', () => {
    const saved = process.env.FERRY_SERVE_URL;
    delete process.env.FERRY_SERVE_URL;
    try {
      expect(() => createLocalTarget({ db: database.db })).toThrow(/set FERRY_SERVE_URL/);
    } finally {
      if (saved !== undefined) process.env.FERRY_SERVE_URL = saved;
    }
  });
});
