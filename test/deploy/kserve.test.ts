import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployActivities } from '../../activities/deploy.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { models, modelVersions } from '../../src/db/schema/index.js';
import { createKubernetesTarget, isvcSchema, renderInferenceService, type InferenceServices } from '../../src/deploy/index.js';
import type { KubeApiServer } from '../../src/provision/kube-server.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { FerryError } from '../../src/core/errors.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { playController, startKServeApiServer } from './kserve-controller.js';
import { predictThrough, startV2Pods, type V2Pods } from './v2-pods.js';

const golden = (name: string) => join(import.meta.dirname, 'golden', name);

/** Compares with a golden manifest; `UPDATE_GOLDEN=1` rewrites it (review the diff before committing). */
function expectGolden(manifest: unknown, name: string): void {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden(name), text);
  expect(text).toBe(readFileSync(golden(name), 'utf8'));
}

describe('KServe InferenceService manifests', () => {
  it('renders a canary step as canaryTrafficPercent on the new version (golden)', () => {
    const manifest = renderInferenceService(
      { model: 'churn', env: 'production', version: 3, routes: [{ version: 2, percent: 90 }, { version: 3, percent: 10 }] },
      { namespace: 'ml', storageUri: 's3://models/churn/3/model.joblib', runtime: { modelFormat: 'sklearn' } },
    );
    expectGolden(manifest, 'kserve-canary.json');
  });

  it('renders a full rollout without canaryTrafficPercent (golden)', () => {
    const manifest = renderInferenceService(
      { model: 'churn', env: 'production', version: 3, routes: [{ version: 3, percent: 100 }] },
      { namespace: 'ml', storageUri: 's3://models/churn/3/model.joblib', runtime: { modelFormat: 'sklearn' } },
    );
    expectGolden(manifest, 'kserve-full.json');
  });

  it('renders a custom model-server container with the artifact as STORAGE_URI (golden)', () => {
    const manifest = renderInferenceService(
      { model: 'penguins', env: 'staging', version: 1, routes: [{ version: 1, percent: 100 }] },
      { namespace: 'default', storageUri: 'gs://bucket/penguins/1', runtime: { image: 'ghcr.io/acme/ferry-serve:1.0' } },
    );
    expectGolden(manifest, 'kserve-container.json');
  });

  it('refuses route sets KServe cannot express', () => {
    const options = { namespace: 'ml', storageUri: 's3://m', runtime: { modelFormat: 'sklearn' } };
    expect(() => renderInferenceService({ model: 'm', env: 'p', version: 3, routes: [{ version: 1, percent: 50 }, { version: 2, percent: 25 }, { version: 3, percent: 25 }] }, options)).toThrow(/two revisions only/);
    expect(() => renderInferenceService({ model: 'm', env: 'p', version: 3, routes: [{ version: 1, percent: 100 }] }, options)).toThrow(/no traffic to v3/);
  });
});


describe('the kubernetes (KServe) target on a real kube-apiserver', () => {
  const [backend] = backends();
  const namespace = 'default';
  let kube: KubeApiServer;
  let database: TestDatabase;
  let gateway: ModelServer;
  let pods: V2Pods;
  let isvcs: InferenceServices;
  let controller: ReturnType<typeof playController>;
  let activities: ReturnType<typeof createDeployActivities>;

  beforeAll(async () => {
    // Built from source and cached the first time (~10 minutes; .ci/run starts it early).
    ({ kube, isvcs } = await startKServeApiServer(namespace));
    database = await backend!.create();
    await database.db.insert(models).values({ name: 'churn' });
    for (const version of [1, 2, 3]) {
      const sha256 = String(version).repeat(64);
      await database.db.insert(modelVersions).values({ model: 'churn', version, metrics: {}, sourceWorkflowId: `train-${version}`, pipeline: 'test', specHash: 'test', commit: '0'.repeat(40), params: {}, seed: 0, artifactSha256: sha256, artifactUri: `s3://ferry-artifacts/sha256/${sha256}` });
    }
    // v3's revision is a broken build: its pod answers 500 to every inference.
    pods = await startV2Pods((pod) => controller.revisions.find((r) => r.name === pod)?.version === '3');
    controller = playController(isvcs, 'churn-production', pods);
    gateway = await createModelServer({ db: database.db, config: configFrom({}), port: 0, refreshMs: 50, logger: { flushMs: 20 } });
    const target = createKubernetesTarget({ db: database.db, kubeconfig: kube.kubeconfig, namespace, runtime: { modelFormat: 'sklearn' }, serveUrl: gateway.url, artifactUri: async (model, version) => `s3://ferry-artifacts/sha256/${String(version).repeat(64)}` });
    const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    activities = createDeployActivities({ db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: home }, { targets: { kubernetes: target }, verify: { attempts: 100, intervalMs: 50 } });
  }, 1_800_000);
  afterAll(async () => {
    controller?.stop();
    await gateway?.close();
    await pods?.close();
    await database?.close();
    await kube?.stop();
  });

  const predict = (n: number) => predictThrough(gateway.url, n);
  /** The InferenceService as the API server has it: Ferry's fields checked by its schema, the rest kept. */
  const liveIsvc = async () => {
    const raw = (await isvcs.get('churn-production')) as { spec: { predictor: { model?: { storageUri: string } } } };
    return { ...isvcSchema.parse(raw), raw };
  };
  const deploy = (routes: { version: number; percent: number }[], key: string, extra: { version?: number; reason?: string } = {}) =>
    activities.applyRoutes({ model: 'churn', env: 'production', target: 'kubernetes', routes, idempotencyKey: key, strategy: 'canary', workflowId: key.split(':')[0], ...extra });

  it('promotes a healthy canary and rolls an erroring one back, reading spec and status back from the API server', async () => {
    const first = await deploy([{ version: 1, percent: 100 }], 'wf-1:deploy:production');
    expect(first).toMatchObject({ status: 'live', live: { routes: [{ version: 1, percent: 100 }] } });
    // Idempotent re-apply: server-side apply of the same manifest keeps the generation.
    expect((await deploy([{ version: 1, percent: 100 }], 'wf-1:deploy:production')).generation).toBe(first.generation);
    expect((await liveIsvc()).raw.spec.predictor.model?.storageUri).toBe(`s3://ferry-artifacts/sha256/${'1'.repeat(64)}`);

    // Healthy canary: v2 at 20% through KServe's canaryTrafficPercent, traffic through the gateway, then 100%.
    const since2 = new Date(Date.now() - 1000).toISOString();
    const canary = await deploy([{ version: 1, percent: 80 }, { version: 2, percent: 20 }], 'wf-2:deploy:production', { version: 2 });
    expect(canary).toMatchObject({ status: 'deploying', trafficPercent: 20 });
    const isvc2 = await liveIsvc();
    expect(isvc2.spec.predictor).toMatchObject({ canaryTrafficPercent: 20, labels: { 'ferry.dev/version': '2' } });
    expect(isvc2.status?.components?.predictor?.traffic?.map((t) => [t.tag, t.percent])).toEqual([['prev', 80], ['latest', 20]]);
    expect((await predict(60)).every((s) => s === 200)).toBe(true);
    await expect.poll(async () => (await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 2, since: since2, maxErrorRate: 0.05, minRequests: 1 })).requests, { timeout: 30_000 }).toBeGreaterThan(0);
    const healthy = await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 2, since: since2, maxErrorRate: 0.05, workflowId: 'wf-2' });
    expect(healthy).toMatchObject({ healthy: true, errors: 0 });
    const promoted = await deploy([{ version: 2, percent: 100 }], 'wf-2:deploy:production');
    expect(promoted).toMatchObject({ status: 'live', trafficPercent: 100, live: { routes: [{ version: 2, percent: 100 }] } });
    const isvcPromoted = await liveIsvc();
    expect(isvcPromoted.spec.predictor.canaryTrafficPercent).toBeUndefined();
    expect(isvcPromoted.status?.observedGeneration).toBe(isvcPromoted.metadata.generation);
    // Promotion only moved traffic: the canary's revision now takes all of it.
    expect(isvcPromoted.status?.components?.predictor?.traffic).toMatchObject([{ revisionName: 'churn-production-predictor-00002', percent: 100, latestRevision: true }]);

    // Erroring canary: v3's pod fails; the gate reads the errors the gateway logged, and the rollback returns to v2.
    const since3 = new Date(Date.now() - 1000).toISOString();
    await deploy([{ version: 2, percent: 50 }, { version: 3, percent: 50 }], 'wf-3:deploy:production', { version: 3 });
    const statuses = await predict(40);
    expect(statuses.filter((s) => s === 502).length).toBeGreaterThan(0);
    await expect.poll(async () => (await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 3, since: since3, maxErrorRate: 0.05 })).errors, { timeout: 30_000 }).toBe(statuses.filter((s) => s === 502).length);
    const unhealthy = await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 3, since: since3, maxErrorRate: 0.05, workflowId: 'wf-3' });
    expect(unhealthy).toMatchObject({ healthy: false, errorRate: 1 });
    const back = await deploy([{ version: 2, percent: 100 }], 'wf-3:deploy:production', { reason: unhealthy.reason });
    expect(back).toMatchObject({ status: 'rolled-back', trafficPercent: 0, live: { routes: [{ version: 2, percent: 100 }] } });
    const rolledBack = await liveIsvc();
    expect(rolledBack.raw.spec.predictor).toMatchObject({ labels: { 'ferry.dev/version': '2' }, model: { modelFormat: { name: 'sklearn' }, storageUri: `s3://ferry-artifacts/sha256/${'2'.repeat(64)}` } });
    expect(rolledBack.spec.predictor.canaryTrafficPercent).toBeUndefined();
    expect((await predict(10)).every((s) => s === 200)).toBe(true);
  }, 300_000);

  it("server-side apply is strict: a field KServe's schema does not have is refused with the API server's message", async () => {
    const manifest = renderInferenceService({ model: 'churn', env: 'strict', version: 1, routes: [{ version: 1, percent: 100 }] }, { namespace, storageUri: 's3://m/1', runtime: { modelFormat: 'sklearn' } });
    (manifest.spec as { predictor: Record<string, unknown> }).predictor.canaryPercent = 10;
    const err = (await isvcs.apply(manifest as Record<string, unknown> & { metadata: { name: string } }).catch((e: unknown) => e)) as FerryError;
    expect(err).toBeInstanceOf(FerryError);
    expect(err.message).toMatch(/\.spec\.predictor\.canaryPercent: field not declared in schema/);
    // A wrong manifest is not retried: the deploy activity fails at once instead of hammering the API server.
    expect(err.details.retryable).toBe(false);
    expect(await isvcs.get('churn-strict')).toBeUndefined();
  }, 60_000);
});
