import { z } from 'zod';
import { FerryError } from '../core/errors.js';
import { createKubectl, type KubectlRunner } from './kubectl.js';
import { inferenceServiceName, KSERVE_LABELS, renderInferenceService, type KServeRuntime } from './kserve-manifest.js';
import type { Route } from '../core/routes.js';
import type { DeployRequest, DeploymentTarget, LiveState } from './target.js';
import { envValue } from '../settings.js';

export interface KubernetesTargetOptions {
  /** Namespace of the InferenceServices (default `FERRY_KUBE_NAMESPACE` or `default`). */
  namespace?: string;
  /** Built-in KServe runtime or container image (default: `FERRY_SERVE_IMAGE`, else modelFormat `FERRY_KSERVE_MODEL_FORMAT`). */
  runtime?: KServeRuntime;
  /** The artifact URI of a registered version (from the registry). */
  artifactUri(model: string, version: number): Promise<string>;
  kubectl?: KubectlRunner;
}

const appliedSchema = z.object({ metadata: z.object({ generation: z.number().int() }) });
const isvcSchema = z.object({
  metadata: z.object({ generation: z.number().int().optional() }),
  status: z
    .object({
      observedGeneration: z.number().int().optional(),
      components: z
        .object({
          predictor: z.object({ traffic: z.array(z.object({ revisionName: z.string().optional(), percent: z.number().optional() })).optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
});
const revisionsSchema = z.object({
  items: z.array(z.object({ metadata: z.object({ name: z.string(), labels: z.record(z.string(), z.string()).optional() }) })),
});

function defaultRuntime(): KServeRuntime {
  const image = envValue('FERRY_SERVE_IMAGE');
  if (image) return { image };
  const modelFormat = envValue('FERRY_KSERVE_MODEL_FORMAT');
  if (modelFormat) return { modelFormat };
  throw new FerryError('kubernetes deployment target: no runtime; set FERRY_KSERVE_MODEL_FORMAT (e.g. sklearn) or FERRY_SERVE_IMAGE (a model server image)');
}

/**
 * Deploys to KServe: renders an InferenceService (canary as `canaryTrafficPercent`), applies it with `kubectl apply`
 * (the same manifest twice is a no-op: Kubernetes keeps the generation), and reads the live split back from the
 * predictor's status traffic, mapping each Knative revision to its `ferry.dev/version` label.
 */
export function createKubernetesTarget(options: KubernetesTargetOptions): DeploymentTarget {
  const namespace = options.namespace ?? envValue('FERRY_KUBE_NAMESPACE') ?? 'default';
  const kubectl = options.kubectl ?? createKubectl();
  const runtime = options.runtime ?? defaultRuntime();
  return {
    name: 'kubernetes',
    async deploy(req: DeployRequest) {
      const manifest = renderInferenceService(req, { namespace, runtime, storageUri: await options.artifactUri(req.model, req.version) });
      const applied = appliedSchema.safeParse(JSON.parse(await kubectl(['apply', '-f', '-', '-o', 'json'], JSON.stringify(manifest))));
      if (!applied.success) throw new FerryError('kubernetes deployment target: kubectl apply -o json did not return the applied object with metadata.generation');
      return { generation: applied.data.metadata.generation };
    },
    async readBack(req): Promise<LiveState> {
      const name = inferenceServiceName(req.model, req.env);
      let raw: string;
      try {
        raw = await kubectl(['get', 'inferenceservice', name, '-n', namespace, '-o', 'json']);
      } catch (err) {
        if (/NotFound|not found/i.test((err as Error).message)) return { generation: 0, routes: [] };
        throw err;
      }
      const isvc = isvcSchema.parse(JSON.parse(raw));
      const traffic = isvc.status?.components?.predictor?.traffic ?? [];
      const revisions = revisionsSchema.parse(
        JSON.parse(await kubectl(['get', 'revisions.serving.knative.dev', '-n', namespace, '-l', `serving.kserve.io/inferenceservice=${name}`, '-o', 'json'])),
      );
      const versionOf = new Map(revisions.items.map((r) => [r.metadata.name, Number(r.metadata.labels?.[KSERVE_LABELS.version])]));
      const byVersion = new Map<number, number>();
      for (const t of traffic) {
        const version = t.revisionName ? versionOf.get(t.revisionName) : undefined;
        // A revision Ferry did not label (or an unknown one) is reported as version 0, which never matches a deploy.
        const v = version !== undefined && Number.isInteger(version) ? version : 0;
        byVersion.set(v, (byVersion.get(v) ?? 0) + (t.percent ?? 0));
      }
      const routes: Route[] = [...byVersion].map(([version, percent]) => ({ version, percent }));
      // Live only once the controller has reconciled the spec generation it was given.
      const observed = isvc.status?.observedGeneration ?? 0;
      return { generation: Math.min(observed, isvc.metadata.generation ?? observed), routes };
    },
  };
}
