import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKubernetesTarget, DeploymentMismatchError, renderInferenceService, verifyDeployment, type KubectlRunner } from '../../src/deploy/index.js';

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

/**
 * A stand-in for a cluster behind kubectl: applies keep one InferenceService, bump metadata.generation only on a spec
 * change, and the "controller" reconciles it into Knative revisions labelled with Ferry's version.
 */
function fakeCluster() {
  let isvc: { metadata: { generation: number }; spec: unknown; status: unknown } | undefined;
  const revisions: { name: string; version: string }[] = [];
  const cluster = { reconcile: true, calls: [] as string[][] };
  const kubectl: KubectlRunner = async (args, stdin) => {
    cluster.calls.push(args);
    if (args[0] === 'apply') {
      const m = JSON.parse(stdin!) as { spec: { predictor: { canaryTrafficPercent?: number; labels: Record<string, string> } } };
      const changed = !isvc || JSON.stringify(isvc.spec) !== JSON.stringify(m.spec);
      const generation = (isvc?.metadata.generation ?? 0) + (changed ? 1 : 0);
      if (cluster.reconcile && changed) {
        const version = m.spec.predictor.labels['ferry.dev/version']!;
        const previous = revisions.at(-1);
        revisions.push({ name: `isvc-predictor-0000${revisions.length + 1}`, version });
        const canary = m.spec.predictor.canaryTrafficPercent;
        const traffic = canary !== undefined && previous
          ? [{ revisionName: previous.name, percent: 100 - canary }, { revisionName: revisions.at(-1)!.name, percent: canary, latestRevision: true }]
          : [{ revisionName: revisions.at(-1)!.name, percent: 100, latestRevision: true }];
        isvc = { ...m, metadata: { generation }, status: { observedGeneration: generation, components: { predictor: { traffic } } } };
      } else {
        isvc = { ...(isvc ?? { status: {} }), spec: m.spec, metadata: { generation } };
      }
      return JSON.stringify({ ...m, metadata: { generation } });
    }
    if (args[1] === 'inferenceservice') {
      if (!isvc) throw new Error('Error from server (NotFound): inferenceservices.serving.kserve.io "x" not found');
      return JSON.stringify(isvc);
    }
    return JSON.stringify({ items: revisions.map((r) => ({ metadata: { name: r.name, labels: { 'ferry.dev/version': r.version } } })) });
  };
  return { kubectl, cluster };
}

describe('the kubernetes deployment target', () => {
  const artifactUri = async (model: string, version: number) => `s3://models/${model}/${version}`;

  it('applies with kubectl, reads the split back from revisions, and re-applies idempotently', async () => {
    const { kubectl, cluster } = fakeCluster();
    const target = createKubernetesTarget({ namespace: 'ml', runtime: { modelFormat: 'sklearn' }, artifactUri, kubectl });
    expect(await target.readBack({ model: 'churn', env: 'production' })).toEqual({ generation: 0, routes: [] });
    await verifyDeployment(target, { model: 'churn', env: 'production', version: 1, routes: [{ version: 1, percent: 100 }] }, { attempts: 1 });
    const canary = { model: 'churn', env: 'production', version: 2, routes: [{ version: 1, percent: 90 }, { version: 2, percent: 10 }] };
    const live = await verifyDeployment(target, canary, { attempts: 1 });
    expect(live).toEqual({ generation: 2, routes: [{ version: 1, percent: 90 }, { version: 2, percent: 10 }] });
    expect((await verifyDeployment(target, canary, { attempts: 1 })).generation).toBe(2);
    expect(cluster.calls[1]).toEqual(['apply', '-f', '-', '-o', 'json']);
  });

  it('catches a controller that never rolled the change out', async () => {
    const { kubectl, cluster } = fakeCluster();
    const target = createKubernetesTarget({ namespace: 'ml', runtime: { modelFormat: 'sklearn' }, artifactUri, kubectl });
    await verifyDeployment(target, { model: 'churn', env: 'production', version: 1, routes: [{ version: 1, percent: 100 }] }, { attempts: 1 });
    cluster.reconcile = false;
    const err = await verifyDeployment(target, { model: 'churn', env: 'production', version: 2, routes: [{ version: 2, percent: 100 }] }, { attempts: 2, intervalMs: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeploymentMismatchError);
    expect((err as Error).message).toContain('serves v1:100 (generation 1), expected v2:100 (generation ≥ 2)');
  });
});
