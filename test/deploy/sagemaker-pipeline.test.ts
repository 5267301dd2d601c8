/**
 * A pipeline with `target: 'sagemaker'`, run end to end on the real Temporal dev server against moto's server mode (a
 * stand-in for AWS, which cannot be reached here): artifacts in moto's S3, endpoints and Model Packages in moto's
 * SageMaker. moto runs no containers, so each production variant's container is a V2 "pod" the test serves at the
 * URL FERRY_SAGEMAKER_VARIANT_URL names; Ferry's gateway routes to it and logs every prediction, which is the canary's
 * health signal. The worker gets its settings as `ferry worker` does: readEnv() of the variables, passed on.
 */
import { DescribeEndpointCommand, DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.js';
import { auditLog, deployments, modelVersions, servingRoutes } from '../../src/db/schema/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { rootMessage } from '../../src/core/errors.js';
import type { PipelineInput } from '../../src/core/spec.js';
import { startRun } from '../../src/runs/start.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { credentials, decideWhenAsked, region, startPipelineStack, type PipelineStack } from './pipeline-harness.js';
import { predictThrough, startV2Pods, withTraffic, type V2Pods } from './v2-pods.js';

const model = 'churn';
const endpoint = 'churn-production';

describe('a pipeline deploying to SageMaker (moto) through the gateway', () => {
  const taskQueue = uniqueQueue('sagemaker-pipeline');
  let stack: PipelineStack;
  let sagemaker: SageMakerClient;
  let pods: V2Pods;

  beforeAll(async () => {
    // v3's container is a broken build: it answers 500 to every inference.
    pods = await startV2Pods((pod) => pod === `${endpoint}-v3`);
    stack = await startPipelineStack({
      taskQueue,
      repo: 'sagemaker',
      sagemaker: true,
      settings: (_home, moto) => ({
        FERRY_SAGEMAKER_ENDPOINT_URL: moto.url,
        FERRY_SAGEMAKER_ROLE_ARN: 'arn:aws:iam::123456789012:role/ferry-sagemaker',
        FERRY_SAGEMAKER_IMAGE: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
        FERRY_SAGEMAKER_INSTANCE_TYPE: 'ml.t2.medium',
        FERRY_SAGEMAKER_VARIANT_URL: `${pods.url('')}{endpoint}-{variant}`,
      }),
    });
    sagemaker = new SageMakerClient({ endpoint: stack.moto.url, region, credentials });
  }, 900_000);
  afterAll(async () => {
    await stack?.close();
    await pods?.close();
    sagemaker?.destroy();
  });

  const pipeline = (strategy: NonNullable<PipelineInput['deploy']>[number]['strategy']) =>
    parsePipeline(
      definePipeline({ name: 'churn-sagemaker', model, train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'production', target: 'sagemaker', approval: approval({ groups: ['ml-leads'] }), strategy }] }),
      'churn-sagemaker.ts',
    );
  const canary = { kind: 'canary' as const, steps: [30, 100], bake: '3s', maxErrorRate: 0.05, minRequests: 5 };

  /** Starts a run, waits for its approval and decides it (bob leads ml-leads; alice triggered the run). */
  async function runDecided(strategy: Parameters<typeof pipeline>[0], decision: 'approve' | 'reject', version: number) {
    const handle = await startRun(stack.temporal.client, pipeline(strategy), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    // Registered, awaiting approval: the package is there already, pending like the version.
    await decideWhenAsked({ temporal: stack.temporal, database: stack.database, approver: stack.people.bob! }, handle, decision, version, async () => {
      expect(await packageApproval(version)).toEqual({ approval: 'PendingManualApproval', ferry: 'registered', registry: 'registered' });
    });
    return handle;
  }

  /** The Model Package of Ferry's `version` as moto has it, beside the version's status in Ferry's registry. */
  async function packageApproval(version: number) {
    const list = await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: model }));
    const packages = await Promise.all((list.ModelPackageSummaryList ?? []).map((s) => sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: s.ModelPackageArn }))));
    const mine = packages.filter((p) => p.CustomerMetadataProperties?.['ferry.version'] === String(version));
    expect(mine).toHaveLength(1);
    const [row] = await stack.database.db.select({ status: modelVersions.status }).from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
    return { approval: mine[0]!.ModelApprovalStatus, ferry: mine[0]!.CustomerMetadataProperties?.['ferry.status'], registry: row!.status };
  }

  const variants = async () => {
    const live = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    return { status: live.EndpointStatus, variants: (live.ProductionVariants ?? []).map((v) => [v.VariantName, v.CurrentWeight]) };
  };

  it('promotes a healthy canary, rolls an erroring one back, mirrors every approval to a Model Package, read back from moto', async () => {
    // v1: approved, all at once.
    const first = await runDecided({ kind: 'all-at-once' }, 'approve', 1);
    expect(await first.result()).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect(await variants()).toEqual({ status: 'InService', variants: [['v1', 100]] });
    expect(await packageApproval(1)).toEqual({ approval: 'Approved', ferry: 'approved', registry: 'approved' });
    const [route] = await stack.database.db.select().from(servingRoutes).where(eq(servingRoutes.model, model));
    expect(route!.backends).toEqual({ 1: { kind: 'v2', url: pods.url(`${endpoint}-v1`), name: model, server: 'sagemaker' } });

    // v2: a healthy canary under traffic through the stack.gateway, promoted to 100%.
    const second = await runDecided(canary, 'approve', 2);
    const healthy = await withTraffic(stack.gateway.url, () => second.result());
    expect(healthy.result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    expect(healthy.statuses.length).toBeGreaterThan(0);
    expect(healthy.statuses.every((s) => s === 200)).toBe(true);
    // The gateway sent the canary's share to v2's variant.
    expect(pods.calls.get(`${endpoint}-v2`)).toBeGreaterThan(0);
    expect(await variants()).toEqual({ status: 'InService', variants: [['v2', 100]] });
    expect(await packageApproval(2)).toEqual({ approval: 'Approved', ferry: 'approved', registry: 'approved' });
    const [promoted] = await stack.database.db.select().from(deployments).where(and(eq(deployments.model, model), eq(deployments.version, 2)));
    expect(promoted).toMatchObject({ target: 'sagemaker', strategy: 'canary', status: 'live', trafficPercent: 100 });

    // v3: approved, but its variant errors; the canary gate reads the gateway's log and rolls back to v2.
    const third = await runDecided(canary, 'approve', 3);
    const erroring = await withTraffic(stack.gateway.url, () => third.result().then(() => 'succeeded', rootMessage));
    expect(erroring.result).toMatch(/rolled back/);
    expect(erroring.statuses.filter((s) => s === 502).length).toBeGreaterThan(0);
    expect(pods.calls.get(`${endpoint}-v3`)).toBeGreaterThan(0);
    expect(await variants()).toEqual({ status: 'InService', variants: [['v2', 100]] });
    const [rolledBack] = await stack.database.db.select().from(deployments).where(and(eq(deployments.model, model), eq(deployments.version, 3)));
    expect(rolledBack).toMatchObject({ target: 'sagemaker', status: 'rolled-back', trafficPercent: 0 });
    // Ferry's registry keeps v3 approved (only its rollout failed): so does SageMaker's.
    expect(await packageApproval(3)).toEqual({ approval: 'Approved', ferry: 'approved', registry: 'approved' });
    expect((await predictThrough(stack.gateway.url, 5)).every((s) => s === 200)).toBe(true);

    // v4: rejected by its approver; nothing deploys, and the package is Rejected.
    const fourth = await runDecided(canary, 'reject', 4);
    expect(await fourth.result()).toMatchObject({ state: 'rejected', modelVersion: 4 });
    expect(await packageApproval(4)).toEqual({ approval: 'Rejected', ferry: 'rejected', registry: 'rejected' });
    expect(await variants()).toEqual({ status: 'InService', variants: [['v2', 100]] });

    // Every mirrored status is audited, on an intact chain.
    const mirrored = await stack.database.db.select({ subject: auditLog.subjectId, details: auditLog.details }).from(auditLog).where(eq(auditLog.action, 'model.approval-mirrored')).orderBy(asc(auditLog.seq));
    expect(mirrored.map((m) => [m.subject, (m.details as { approval: string }).approval])).toEqual([
      ['churn@1', 'PendingManualApproval'],
      ['churn@1', 'Approved'],
      ['churn@2', 'PendingManualApproval'],
      ['churn@2', 'Approved'],
      ['churn@3', 'PendingManualApproval'],
      ['churn@3', 'Approved'],
      ['churn@4', 'PendingManualApproval'],
      ['churn@4', 'Rejected'],
    ]);
    expect(await verifyAuditChain(stack.database.db)).toMatchObject({ ok: true });
  }, 900_000);
});
