/**
 * A pipeline with `target: 'kubernetes'`, run end to end on the real Temporal dev server against a real kube-apiserver
 * with KServe's CRD: artifacts in moto's S3 (the InferenceService's storageUri is that S3 object, a stand-in for AWS,
 * which cannot be reached here). No KServe controller can run here, so the test plays it (kserve-controller.ts) and
 * serves each predictor revision as a V2 "pod"; Ferry's gateway routes to the revision URLs from the status and logs
 * every prediction, which is the canary's health signal. The worker reads the target's settings from the environment,
 * as `ferry worker` does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootMessage } from '../../src/core/errors.js';
import type { PipelineInput } from '../../src/core/spec.js';
import { deployments, modelVersions, servingRoutes } from '../../src/db/schema/index.js';
import { isvcSchema, type InferenceServices } from '../../src/deploy/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import type { KubeApiServer } from '../../src/provision/kube-server.js';
import { startRun } from '../../src/runs/start.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { playController, startKServeApiServer } from './kserve-controller.js';
import { decideWhenAsked, startPipelineStack, type PipelineStack } from './pipeline-harness.js';
import { predictThrough, startV2Pods, withTraffic, type V2Pods } from './v2-pods.js';

const model = 'churn';
const isvcName = 'churn-production';
const namespace = 'default';

describe('a pipeline deploying to KServe (real kube-apiserver) through the gateway', () => {
  const taskQueue = uniqueQueue('kserve-pipeline');
  let kube: KubeApiServer;
  let isvcs: InferenceServices;
  let controller: ReturnType<typeof playController>;
  let pods: V2Pods;
  let stack: PipelineStack;

  beforeAll(async () => {
    ({ kube, isvcs } = await startKServeApiServer(namespace));
    // v3's revision is a broken build: its pod answers 500 to every inference.
    pods = await startV2Pods((pod) => controller.revisions.find((r) => r.name === pod)?.version === '3');
    controller = playController(isvcs, isvcName, pods);
    stack = await startPipelineStack({
      taskQueue,
      repo: 'kserve',
      // The kubernetes target reads its settings from the environment when the worker first deploys to it.
      settings: (home) => {
        const kubeconfig = join(home, 'kubeconfig');
        writeFileSync(kubeconfig, kube.kubeconfig);
        Object.assign(process.env, { FERRY_KUBECONFIG: kubeconfig, FERRY_KUBE_NAMESPACE: namespace, FERRY_KSERVE_MODEL_FORMAT: 'sklearn' });
        return {};
      },
    });
  }, 1_800_000);
  afterAll(async () => {
    controller?.stop();
    await stack?.close();
    await pods?.close();
    await kube?.stop();
  });

  const pipeline = (strategy: NonNullable<PipelineInput['deploy']>[number]['strategy']) =>
    parsePipeline(
      definePipeline({ name: 'churn-kserve', model, train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'production', target: 'kubernetes', approval: approval({ groups: ['ml-leads'] }), strategy }] }),
      'churn-kserve.ts',
    );
  const canary = { kind: 'canary' as const, steps: [30, 100], bake: '3s', maxErrorRate: 0.05, minRequests: 5 };

  /** Starts a run, waits for its approval and approves it (bob leads ml-leads; alice triggered the run). */
  async function runApproved(strategy: Parameters<typeof pipeline>[0], version: number) {
    const handle = await startRun(stack.temporal.client, pipeline(strategy), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    await decideWhenAsked({ temporal: stack.temporal, database: stack.database, approver: stack.people.bob! }, handle, 'approve', version);
    return handle;
  }

  /** The InferenceService as the API server has it: Ferry's fields checked by its schema, the raw object beside them. */
  const liveIsvc = async () => {
    const raw = (await isvcs.get(isvcName)) as { spec: { predictor: { model?: { storageUri: string } } } };
    return { ...isvcSchema.parse(raw), raw };
  };
  const registeredUri = async (version: number) => {
    const [row] = await stack.database.db.select({ uri: modelVersions.artifactUri }).from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
    return row!.uri;
  };
  const deployment = async (version: number) => (await stack.database.db.select().from(deployments).where(and(eq(deployments.model, model), eq(deployments.version, version))))[0];
  /** Spec and status read back from the API server: the version the spec labels, its storageUri, the status split. */
  const readBack = async () => {
    const isvc = await liveIsvc();
    return {
      version: isvc.spec.predictor.labels?.['ferry.dev/version'],
      canaryTrafficPercent: isvc.spec.predictor.canaryTrafficPercent,
      storageUri: isvc.raw.spec.predictor.model?.storageUri,
      reconciled: isvc.status?.observedGeneration === isvc.metadata.generation,
      traffic: isvc.status?.components?.predictor?.traffic?.map((t) => [t.revisionName, t.percent]),
    };
  };

  it('promotes a healthy canary and rolls an erroring one back, spec and status read back from the API server', async () => {
    // v1: all at once; the InferenceService points at v1's artifact in S3.
    const first = await runApproved({ kind: 'all-at-once' }, 1);
    expect(await first.result()).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect(await registeredUri(1)).toMatch(/^s3:\/\/ferry-artifacts\//);
    expect(await readBack()).toEqual({ version: '1', canaryTrafficPercent: undefined, storageUri: await registeredUri(1), reconciled: true, traffic: [['churn-production-predictor-00001', 100]] });
    const [route] = await stack.database.db.select().from(servingRoutes).where(eq(servingRoutes.model, model));
    expect(route!.backends).toEqual({ 1: { kind: 'v2', url: pods.url('churn-production-predictor-00001'), name: isvcName, server: 'kserve' } });

    // v2: a healthy canary under traffic through the gateway (canaryTrafficPercent 30, then none), promoted.
    const second = await runApproved(canary, 2);
    const healthy = await withTraffic(stack.gateway.url, () => second.result());
    expect(healthy.result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    expect(healthy.statuses.length).toBeGreaterThan(0);
    expect(healthy.statuses.every((s) => s === 200)).toBe(true);
    // The gateway sent the canary's share to v2's revision.
    expect(pods.calls.get('churn-production-predictor-00002')).toBeGreaterThan(0);
    expect(await readBack()).toEqual({ version: '2', canaryTrafficPercent: undefined, storageUri: await registeredUri(2), reconciled: true, traffic: [['churn-production-predictor-00002', 100]] });
    expect(await deployment(2)).toMatchObject({ target: 'kubernetes', strategy: 'canary', status: 'live', trafficPercent: 100 });

    // v3: its revision errors; the canary gate reads the gateway's log and rolls back to v2.
    const third = await runApproved(canary, 3);
    const erroring = await withTraffic(stack.gateway.url, () => third.result().then(() => 'succeeded', rootMessage));
    expect(erroring.result).toMatch(/rolled back/);
    expect(erroring.statuses.filter((s) => s === 502).length).toBeGreaterThan(0);
    expect(pods.calls.get('churn-production-predictor-00003')).toBeGreaterThan(0);
    // The rollback re-applied v2's predictor: a new revision of v2's template takes all the traffic.
    expect(controller.revisions.map((r) => r.version)).toEqual(['1', '2', '3', '2']);
    expect(await readBack()).toEqual({ version: '2', canaryTrafficPercent: undefined, storageUri: await registeredUri(2), reconciled: true, traffic: [['churn-production-predictor-00004', 100]] });
    expect(await deployment(3)).toMatchObject({ target: 'kubernetes', status: 'rolled-back', trafficPercent: 0 });
    expect((await predictThrough(stack.gateway.url, 5)).every((s) => s === 200)).toBe(true);
  }, 900_000);
});
