import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelPackageGroupCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployActivities } from '../../activities/deploy.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { models, modelVersions, predictions, runs } from '../../src/db/schema/index.js';
import { createSagemakerTarget } from '../../src/deploy/sagemaker.js';
import { mirrorApproval } from '../../src/deploy/sagemaker-packages.js';
import { setVersionStatus } from '../../src/registry/index.js';
import { startMotoServer, type MotoServer } from '../../src/provision/moto.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { predictThrough, startV2Pods, type V2Pods } from './v2-pods.js';

/**
 * The SageMaker target against moto's server mode, a stand-in for the AWS service (which cannot be reached here): the
 * control plane (models, endpoint configs, variant weights, DescribeEndpoint) is moto's; moto runs no containers, so
 * each variant's model is a V2 "pod" the test serves, reached through Ferry's gateway, which logs every prediction —
 * that log is the error signal the canary gate reads (moto has no CloudWatch invocation metrics of real traffic).
 */
describe('the sagemaker target on moto', () => {
  const [backend] = backends();
  let moto: MotoServer;
  let client: SageMakerClient;
  let database: TestDatabase;
  let gateway: ModelServer;
  let pods: V2Pods;
  let activities: ReturnType<typeof createDeployActivities>;

  beforeAll(async () => {
    moto = await startMotoServer({ log: (line) => console.log(line) });
    client = new SageMakerClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    database = await backend!.create();
    // v3 is a broken build: its variant's container answers 500 to every inference.
    pods = await startV2Pods((pod) => pod === 'v3');
    gateway = await createModelServer({ db: database.db, config: configFrom({}), port: 0, refreshMs: 50, logger: { flushMs: 20 } });
    const target = createSagemakerTarget({
      db: database.db,
      client,
      roleArn: 'arn:aws:iam::123456789012:role/ferry-sagemaker',
      image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
      artifactUri: async (_model, version) => `s3://ferry-artifacts/sha256/${String(version).repeat(64)}`,
      region: 'us-east-1',
      variantUrl: (_model, version) => pods.url(`v${version}`),
      serveUrl: gateway.url,
    });
    const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    activities = createDeployActivities({ db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: home }, { targets: { sagemaker: target }, verify: { attempts: 100, intervalMs: 50 } });
  }, 900_000);
  afterAll(async () => {
    await gateway?.close();
    await pods?.close();
    await database?.close();
    await moto?.stop();
  });

  const predict = (n: number) => predictThrough(gateway.url, n);
  const deploy = (routes: { version: number; percent: number }[], key: string, extra: { version?: number; reason?: string } = {}) =>
    activities.applyRoutes({ model: 'churn', env: 'production', target: 'sagemaker', routes, idempotencyKey: key, strategy: 'canary', workflowId: key.split(':')[0], ...extra });
  const weights = async () => {
    const live = await client.send(new DescribeEndpointCommand({ EndpointName: 'churn-production' }));
    return { status: live.EndpointStatus, config: live.EndpointConfigName, variants: (live.ProductionVariants ?? []).map((v) => [v.VariantName, v.CurrentWeight]) };
  };

  it('promotes a healthy canary and rolls an erroring one back, read back with DescribeEndpoint', async () => {
    expect(await deploy([{ version: 1, percent: 100 }], 'wf-1:deploy:production')).toMatchObject({ status: 'live', live: { routes: [{ version: 1, percent: 100 }] } });
    expect(await weights()).toMatchObject({ status: 'InService', variants: [['v1', 100]] });

    const since2 = new Date(Date.now() - 1000).toISOString();
    expect(await deploy([{ version: 1, percent: 80 }, { version: 2, percent: 20 }], 'wf-2:deploy:production', { version: 2 })).toMatchObject({ status: 'deploying', trafficPercent: 20 });
    const canary = await weights();
    expect(canary.variants).toEqual([['v1', 80], ['v2', 20]]);
    const config = await client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: canary.config! }));
    expect(config.ProductionVariants?.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight])).toEqual([['v1', 'churn-model-v1', 80], ['v2', 'churn-model-v2', 20]]);
    // A weight-only step moves traffic in place (UpdateEndpointWeightsAndCapacities): the endpoint keeps its config.
    expect(await deploy([{ version: 1, percent: 50 }, { version: 2, percent: 50 }], 'wf-2:deploy:production', { version: 2 })).toMatchObject({ trafficPercent: 50 });
    expect(await weights()).toMatchObject({ config: canary.config, variants: [['v1', 50], ['v2', 50]] });
    expect((await predict(40)).every((s) => s === 200)).toBe(true);
    await expect.poll(async () => (await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 2, since: since2, maxErrorRate: 0.05 })).requests, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 2, since: since2, maxErrorRate: 0.05, workflowId: 'wf-2' })).toMatchObject({ healthy: true, errors: 0 });
    expect(await deploy([{ version: 2, percent: 100 }], 'wf-2:deploy:production')).toMatchObject({ status: 'live', live: { routes: [{ version: 2, percent: 100 }] } });
    expect((await weights()).variants).toEqual([['v2', 100]]);

    const since3 = new Date(Date.now() - 1000).toISOString();
    await deploy([{ version: 2, percent: 50 }, { version: 3, percent: 50 }], 'wf-3:deploy:production', { version: 3 });
    expect((await weights()).variants).toEqual([['v2', 50], ['v3', 50]]);
    const statuses = await predict(40);
    expect(statuses.filter((s) => s === 502).length).toBeGreaterThan(0);
    await expect.poll(async () => (await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 3, since: since3, maxErrorRate: 0.05 })).errors, { timeout: 30_000 }).toBe(statuses.filter((s) => s === 502).length);
    const unhealthy = await activities.checkCanaryHealth({ model: 'churn', env: 'production', version: 3, since: since3, maxErrorRate: 0.05, workflowId: 'wf-3' });
    expect(unhealthy).toMatchObject({ healthy: false, errorRate: 1 });
    expect(await deploy([{ version: 2, percent: 100 }], 'wf-3:deploy:production', { reason: unhealthy.reason })).toMatchObject({ status: 'rolled-back', live: { routes: [{ version: 2, percent: 100 }] } });
    expect(await weights()).toMatchObject({ status: 'InService', variants: [['v2', 100]] });
  }, 300_000);

  it("keeps each version's Model Package approval equal to the registry's status, one package per version, and leaves other models alone", async () => {
    const env = { FERRY_SAGEMAKER_REGION: 'us-east-1', FERRY_SAGEMAKER_ROLE_ARN: 'arn:aws:iam::123456789012:role/ferry-sagemaker', FERRY_SAGEMAKER_IMAGE: 'ferry/serve:1', FERRY_SAGEMAKER_VARIANT_URL: 'http://127.0.0.1/{variant}', FERRY_ARTIFACTS: 's3://ferry-artifacts/runs' };
    const register = async (model: string, target: string) => {
      await database.db.insert(models).values({ name: model }).onConflictDoNothing();
      const workflowId = `${model}-run`;
      await database.db.insert(runs).values({ workflowId, temporalRunId: 'r', pipeline: model, specHash: 'h', spec: { deploy: [{ env: 'production', target }] }, trigger: 'test', status: 'running' });
      await database.db.insert(modelVersions).values({ model, version: 1, metrics: {}, sourceWorkflowId: workflowId, pipeline: model, specHash: 'h', commit: '0'.repeat(40), params: {}, seed: 0, artifactSha256: 'a'.repeat(64), artifactUri: `s3://ferry-artifacts/runs/sha256/aa/${'a'.repeat(64)}` });
    };
    const mirror = () => mirrorApproval(database.db, env, { model: 'fraud', version: 1, actor: 'ferry' }, client);
    const status = async (to: string) => {
      await setVersionStatus(database.db, { model: 'fraud', version: 1, status: to as 'approved', actor: 'bob' });
      return mirror();
    };
    const packages = async () => (await client.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'fraud' }))).ModelPackageSummaryList ?? [];

    await register('fraud', 'sagemaker');
    expect(await mirror()).toMatchObject({ approval: 'PendingManualApproval', changed: true });
    expect(await status('approved')).toMatchObject({ approval: 'Approved', changed: true });
    // Mirroring a status SageMaker already shows changes nothing there.
    expect(await mirror()).toMatchObject({ approval: 'Approved', changed: false });
    expect(await status('rolled-back')).toMatchObject({ approval: 'Rejected', changed: true });
    const listed = await packages();
    expect(listed.map((p) => [p.ModelPackageGroupName, p.ModelPackageVersion, p.ModelApprovalStatus])).toEqual([['fraud', 1, 'Rejected']]);
    const audited = await database.db.query.auditLog.findMany({ where: (a) => eq(a.action, 'model.approval-mirrored') });
    expect(audited.filter((a) => a.subjectId === 'fraud@1').map((a) => (a.details as { approval: string }).approval)).toEqual(['PendingManualApproval', 'Approved', 'Approved', 'Rejected']);

    // A model deployed elsewhere has no Model Package Group, and needs no SageMaker setting.
    await register('spam', 'mlserver');
    expect(await mirrorApproval(database.db, {}, { model: 'spam', version: 1, actor: 'ferry' })).toBeUndefined();
    await expect(client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'spam' }))).rejects.toThrow(/does not exist|not found/i);
  }, 120_000);

  it('without FERRY_SAGEMAKER_VARIANT_URL the gateway calls InvokeEndpoint on the routed variant and logs its answer under that version', async () => {
    // The gateway's SageMaker backend takes its credentials from the AWS SDK's default chain, as on a real worker.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const invoked = createSagemakerTarget({
      db: database.db,
      client,
      roleArn: 'arn:aws:iam::123456789012:role/ferry-sagemaker',
      image: 'ferry/serve:1',
      artifactUri: async () => `s3://ferry-artifacts/sha256/${'9'.repeat(64)}`,
      region: 'us-east-1',
      endpointUrl: moto.url,
      serveUrl: gateway.url,
    });
    await invoked.deploy({ model: 'invoked', env: 'production', version: 1, routes: [{ version: 1, percent: 100 }] });
    // moto runs no container: InvokeEndpoint answers what its moto-api was given (a stand-in for the variant's model).
    const answer = { model_name: 'invoked', outputs: [{ name: 'label', datatype: 'BYTES', shape: [1], data: ['yes'] }, { name: 'score', datatype: 'FP64', shape: [1], data: [0.75] }] };
    const queued = await fetch(`${moto.url}/moto-api/static/sagemaker/endpoint-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'us-east-1', results: [{ Body: JSON.stringify(answer), ContentType: 'application/json', InvokedProductionVariant: 'v1' }] }),
    });
    expect(queued.ok).toBe(true);
    await gateway.refresh();
    const res = await fetch(`${gateway.url}/v1/models/invoked/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ env: 'production', inputs: [{ x: 1 }] }) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ version: 1, outputs: [{ label: 'yes', score: 0.75 }] });
    await expect.poll(async () => (await database.db.select().from(predictions).where(eq(predictions.model, 'invoked'))).map((p) => [p.version, p.outputs, p.error]), { timeout: 30_000 }).toEqual([[1, { label: 'yes', score: 0.75 }, null]]);
  }, 120_000);
});
