import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeModelCommand,
  type SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
  type ProductionVariantInstanceType,
} from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import type { Db } from '../db/client.js';
import { FerryError } from '../core/errors.js';
import { normalizeRoutes, type Route } from '../core/routes.js';
import type { Backends } from '../serve/backend-spec.js';
import { inferenceServiceName } from './kserve-manifest.js';
import { gatewayUrl, readGateway, writeServingRoutes } from './local.js';
import { sagemakerCall } from './sagemaker-settings.js';
import type { DeployRequest, DeploymentTarget, LiveState } from './target.js';

export interface SagemakerTargetOptions {
  db: Db;
  client: SageMakerClient;
  /** The execution role SageMaker models run as. */
  roleArn: string;
  /** The inference container image (e.g. a SageMaker scikit-learn image, or Ferry's serving image). */
  image: string;
  instanceType?: string;
  artifactUri(model: string, version: number): Promise<string>;
  /** The endpoints' region, and SageMaker's URL when it is not AWS's: where the gateway calls InvokeEndpoint. */
  region: string;
  endpointUrl?: string;
  /**
   * Where the gateway reaches a version's variant as a V2 endpoint instead of InvokeEndpoint (FERRY_SAGEMAKER_VARIANT_URL:
   * a proxy in front of the variants, or the pipeline test's V2 "pods", since moto runs no containers).
   */
  variantUrl?(model: string, version: number, endpoint: string): string;
  serveUrl?: string;
}

const variantName = (version: number) => `v${version}`;

/**
 * Deploys to SageMaker through the AWS SDK v3: a model per version (CreateModel, ModelDataUrl = the artifact), an
 * endpoint config whose production variants carry the canary weights (CreateEndpointConfig, named by the route set),
 * and the endpoint (CreateEndpoint). A step that only moves weights between the same variants is
 * UpdateEndpointWeightsAndCapacities; a step that changes the variants needs UpdateEndpoint, which moto (the stand-in
 * these tests run against) lacks, so the endpoint is deleted and created again on the new config — isolated in
 * `replaceEndpoint`. Read-back is DescribeEndpoint: InService and each variant's CurrentWeight.
 */
export function createSagemakerTarget(options: SagemakerTargetOptions): DeploymentTarget {
  const { client } = options;
  const base = gatewayUrl(options.serveUrl, 'sagemaker');
  const call = <T>(what: string, fn: () => Promise<T>) => sagemakerCall('sagemaker deployment target', what, fn);
  const describe = (name: string) =>
    client.send(new DescribeEndpointCommand({ EndpointName: name })).catch((err: { name?: string; message?: string }) => {
      if (/ValidationException|ResourceNotFound/.test(`${err.name} ${err.message}`) && /not found|Could not find/i.test(err.message ?? '')) return undefined;
      throw err;
    });

  async function ensureModel(model: string, version: number): Promise<string> {
    const name = `${inferenceServiceName(model, 'model')}-v${version}`;
    const exists = await client.send(new DescribeModelCommand({ ModelName: name })).then(() => true, () => false);
    if (!exists) {
      const ModelDataUrl = await options.artifactUri(model, version);
      if (!ModelDataUrl.startsWith('s3://')) {
        throw new FerryError(`sagemaker deployment target: ${model} v${version}'s artifact is ${ModelDataUrl}, which SageMaker cannot read (ModelDataUrl must be in S3); set FERRY_ARTIFACTS=s3://bucket/prefix and register the version again`);
      }
      await call(`CreateModel ${name}`, () =>
        client.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: options.roleArn, PrimaryContainer: { Image: options.image, ModelDataUrl, Environment: { FERRY_MODEL: model, FERRY_MODEL_VERSION: String(version) } } })),
      );
    }
    return name;
  }

  async function replaceEndpoint(name: string, config: string): Promise<void> {
    // moto has no UpdateEndpoint: delete and create on the new config (on AWS this would be UpdateEndpoint).
    await call(`DeleteEndpoint ${name}`, () => client.send(new DeleteEndpointCommand({ EndpointName: name })));
    await call(`CreateEndpoint ${name}`, () => client.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: config })));
  }

  return {
    name: 'sagemaker',
    async deploy(req: DeployRequest) {
      const routes = normalizeRoutes(req.routes);
      const endpoint = inferenceServiceName(req.model, req.env);
      const variants: { VariantName: string; ModelName: string; InitialVariantWeight: number; InitialInstanceCount: number; InstanceType: ProductionVariantInstanceType }[] = [];
      for (const r of routes) variants.push({ VariantName: variantName(r.version), ModelName: await ensureModel(req.model, r.version), InitialVariantWeight: r.percent, InitialInstanceCount: 1, InstanceType: (options.instanceType ?? 'ml.m5.large') as ProductionVariantInstanceType });
      const config = `${endpoint}-${createHash('sha256').update(JSON.stringify(routes)).digest('hex').slice(0, 12)}`;
      await call(`CreateEndpointConfig ${config}`, () => client.send(new CreateEndpointConfigCommand({ EndpointConfigName: config, ProductionVariants: variants }))).catch((err: FerryError) => {
        if (!/already exist/i.test(err.message)) throw err;
      });
      const live = await call(`DescribeEndpoint ${endpoint}`, () => describe(endpoint));
      if (!live) await call(`CreateEndpoint ${endpoint}`, () => client.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config })));
      else if (live.EndpointConfigName !== config) {
        const same = new Set((live.ProductionVariants ?? []).map((v) => v.VariantName));
        if (same.size === variants.length && variants.every((v) => same.has(v.VariantName))) {
          await call(`UpdateEndpointWeightsAndCapacities ${endpoint}`, () =>
            client.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: endpoint, DesiredWeightsAndCapacities: variants.map((v) => ({ VariantName: v.VariantName, DesiredWeight: v.InitialVariantWeight })) })),
          );
        } else await replaceEndpoint(endpoint, config);
      }
      const backends: Backends = {};
      for (const r of routes) {
        backends[String(r.version)] = options.variantUrl
          ? { kind: 'v2', url: options.variantUrl(req.model, r.version, endpoint), name: req.model, server: 'sagemaker' }
          : { kind: 'sagemaker', endpoint, variant: variantName(r.version), region: options.region, ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}) };
      }
      return writeServingRoutes(options.db, req, backends);
    },
    async readBack(req): Promise<LiveState> {
      const live: DescribeEndpointCommandOutput | undefined = await call('DescribeEndpoint', () => describe(inferenceServiceName(req.model, req.env)));
      if (!live || live.EndpointStatus !== 'InService') return { generation: 0, routes: [] };
      const variants = live.ProductionVariants ?? [];
      const total = variants.reduce((s, v) => s + (v.CurrentWeight ?? 0), 0);
      const fromSagemaker: Route[] = variants
        .map((v) => ({ version: Number(/^v(\d+)$/.exec(v.VariantName ?? '')?.[1] ?? 0), percent: total ? Math.round(((v.CurrentWeight ?? 0) / total) * 100) : 0 }))
        .filter((r) => r.percent > 0);
      const gateway = await readGateway(base, req, fetch, 'sagemaker');
      const routed = new Set(gateway.routes.map((r) => `${r.version}:${r.percent}`));
      return { generation: gateway.generation, routes: fromSagemaker.filter((r) => routed.has(`${r.version}:${r.percent}`)) };
    },
  };
}
