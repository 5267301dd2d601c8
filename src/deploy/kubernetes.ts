import { z } from 'zod';
import type { Db } from '../db/client.js';
import { FerryError } from '../core/errors.js';
import { normalizeRoutes, type Route } from '../core/routes.js';
import type { Backends } from '../serve/backend-spec.js';
import { envValue } from '../settings.js';
import { inferenceServices, loadKubeConfig, type InferenceServices, type KubeConnection } from './kube-client.js';
import { inferenceServiceName, KSERVE_LABELS, renderInferenceService, type KServeRuntime } from './kserve-manifest.js';
import { gatewayUrl, readGateway, writeServingRoutes } from './local.js';
import type { DeployRequest, DeploymentTarget, LiveState } from './target.js';
import { firstIssue } from '../dsl/issues.js';

export interface KubernetesTargetOptions extends KubeConnection {
  db: Db;
  /** Namespace of the InferenceServices (default `FERRY_KUBE_NAMESPACE` or `default`). */
  namespace?: string;
  /** Built-in KServe runtime or container image (default: `FERRY_SERVE_IMAGE`, else modelFormat `FERRY_KSERVE_MODEL_FORMAT`). */
  runtime?: KServeRuntime;
  /** The artifact URI of a registered version (from the registry). */
  artifactUri(model: string, version: number): Promise<string>;
  /** Ferry's gateway, which routes to the predictor revisions (default `FERRY_SERVE_URL`). */
  serveUrl?: string;
  /** How long a deploy waits for KServe to reconcile the applied generation (default 60 s); then it fails retryably. */
  reconcileTimeoutMs?: number;
  /** The InferenceServices client (default: through the kubeconfig). */
  inferenceServices?: InferenceServices;
}

const trafficSchema = z.object({ revisionName: z.string().optional(), percent: z.number().optional(), latestRevision: z.boolean().optional(), tag: z.string().optional(), url: z.string().optional() });
/** The fields of an InferenceService Ferry reads back (everything else passes through). */
export const isvcSchema = z.object({
  metadata: z.object({ generation: z.number().int().optional(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.object({ predictor: z.object({ canaryTrafficPercent: z.number().optional(), labels: z.record(z.string(), z.string()).optional() }) }),
  status: z
    .object({
      observedGeneration: z.number().int().optional(),
      conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional(),
      components: z.object({ predictor: z.object({ traffic: z.array(trafficSchema).optional() }).optional() }).optional(),
    })
    .optional(),
});
export type InferenceServiceObject = z.infer<typeof isvcSchema>;

function defaultRuntime(): KServeRuntime {
  const image = envValue('FERRY_SERVE_IMAGE');
  if (image) return { image };
  const modelFormat = envValue('FERRY_KSERVE_MODEL_FORMAT');
  if (modelFormat) return { modelFormat };
  throw new FerryError('kubernetes deployment target: no runtime; set FERRY_KSERVE_MODEL_FORMAT (e.g. sklearn) or FERRY_SERVE_IMAGE (a model server image)');
}

/** Whether KServe has reconciled the spec it was given and reports the InferenceService Ready. */
export function reconciled(isvc: InferenceServiceObject): { done: boolean; ready: boolean; reason: string } {
  const observed = isvc.status?.observedGeneration ?? 0;
  const generation = isvc.metadata.generation ?? 0;
  if (observed < generation) return { done: false, ready: false, reason: `KServe has observed generation ${observed} of ${generation}` };
  const ready = isvc.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return { done: true, ready: true, reason: 'Ready' };
  return { done: true, ready: false, reason: `Ready is ${ready?.status ?? 'missing'}${ready?.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}` };
}

/**
 * The predictor's status traffic by Ferry version: the latest revision serves the version the spec labels; the other
 * one the other version of the routes Ferry applied (KServe keeps exactly those two revisions). There are no Knative
 * Revision objects to read labels from when KServe runs in raw mode, so the annotation is what names the previous one.
 */
export function statusRoutes(isvc: InferenceServiceObject): { version: number; percent: number; url?: string }[] {
  const latest = Number(isvc.spec.predictor.labels?.[KSERVE_LABELS.version]);
  const applied = z.array(z.object({ version: z.number() })).safeParse(JSON.parse(isvc.metadata.annotations?.[KSERVE_LABELS.routes] ?? '[]'));
  const previous = applied.success ? applied.data.map((r) => r.version).find((v) => v !== latest) : undefined;
  return (isvc.status?.components?.predictor?.traffic ?? []).map((t) => ({
    // A revision Ferry cannot name is version 0, which never matches a deploy.
    version: (t.latestRevision ? latest : previous) ?? 0,
    percent: t.percent ?? 0,
    url: t.url,
  }));
}

/**
 * Deploys to KServe on a real API server (HTTPS through @kubernetes/client-node, the kubeconfig's credentials):
 * renders an InferenceService (canary as `canaryTrafficPercent`, tag routing on), server-side applies it with strict
 * field validation as field manager `ferry` (the same manifest twice keeps the generation), waits until KServe has
 * reconciled that generation and reports it Ready, then points Ferry's gateway at each revision's URL from the status
 * (a V2 backend per version), so every prediction is routed and logged by the gateway. Read-back is the status: the
 * split per version at the observed generation, counted only while Ready and while the gateway serves that version.
 */
export function createKubernetesTarget(options: KubernetesTargetOptions): DeploymentTarget {
  const namespace = options.namespace ?? envValue('FERRY_KUBE_NAMESPACE') ?? 'default';
  let client = options.inferenceServices;
  const isvcs = () => (client ??= inferenceServices(loadKubeConfig(options), namespace));
  const runtime = options.runtime ?? defaultRuntime();
  const base = gatewayUrl(options.serveUrl, 'kubernetes');

  async function read(name: string): Promise<InferenceServiceObject | undefined> {
    const raw = await isvcs().get(name);
    if (raw === undefined) return undefined;
    const parsed = isvcSchema.safeParse(raw);
    if (!parsed.success) throw new FerryError(`kubernetes deployment target: InferenceService ${namespace}/${name} is not one Ferry wrote (${firstIssue(parsed.error, raw).message}); delete it or pick another model/env`);
    return parsed.data;
  }

  return {
    name: 'kubernetes',
    async deploy(req: DeployRequest) {
      const storageUri = await options.artifactUri(req.model, req.version);
      if (storageUri.startsWith('file:')) {
        throw new FerryError(`kubernetes deployment target: ${req.model} v${req.version}'s artifact is ${storageUri}, which KServe's storage initializer cannot fetch; store artifacts in S3 (or another URI KServe reads) and register the version again`);
      }
      const manifest = renderInferenceService(req, { namespace, runtime, storageUri });
      const name = inferenceServiceName(req.model, req.env);
      const applied = isvcSchema.parse(await isvcs().apply(manifest as Record<string, unknown> & { metadata: { name: string } }));
      const generation = applied.metadata.generation ?? 0;
      const deadline = Date.now() + (options.reconcileTimeoutMs ?? 60_000);
      let isvc = applied;
      let state = reconciled(isvc);
      while (!state.done || !state.ready) {
        if (Date.now() > deadline) {
          throw new FerryError(`kubernetes deployment target: InferenceService ${namespace}/${name} generation ${generation} is not live: ${state.reason}; the deploy will be retried`, { details: { retryable: true } });
        }
        await new Promise((r) => setTimeout(r, 250));
        isvc = (await read(name)) ?? isvc;
        state = reconciled(isvc);
      }
      const backends: Backends = {};
      for (const r of statusRoutes(isvc)) {
        if (r.url && r.version > 0) backends[String(r.version)] = { kind: 'v2', url: r.url, name, server: 'kserve' };
      }
      const missing = normalizeRoutes(req.routes).filter((r) => !backends[String(r.version)]);
      if (missing.length) {
        throw new FerryError(`kubernetes deployment target: InferenceService ${namespace}/${name} status has no revision URL for ${missing.map((r) => `v${r.version}`).join(', ')} (is tag routing on?); the deploy will be retried`, { details: { retryable: true } });
      }
      await writeServingRoutes(options.db, req, backends);
      return { generation };
    },
    async readBack(req): Promise<LiveState> {
      const isvc = await read(inferenceServiceName(req.model, req.env));
      if (!isvc) return { generation: 0, routes: [] };
      const state = reconciled(isvc);
      const generation = Math.min(isvc.status?.observedGeneration ?? 0, isvc.metadata.generation ?? 0);
      if (!state.ready) return { generation, routes: [] };
      const gateway = await readGateway(base, req, fetch, 'kubernetes');
      const routed = new Set(gateway.routes.map((r) => `${r.version}:${r.percent}`));
      const routes: Route[] = statusRoutes(isvc)
        .map(({ version, percent }) => ({ version, percent }))
        .filter((r) => routed.has(`${r.version}:${r.percent}`));
      return { generation, routes };
    },
  };
}
