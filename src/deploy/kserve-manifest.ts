import { FerryError } from '../core/errors.js';
import { normalizeRoutes } from '../core/routes.js';
import type { DeployRequest } from './target.js';

/** How KServe runs the model: a built-in serving runtime by model format, or a container (Ferry's model server image). */
export type KServeRuntime = { modelFormat: string } | { image: string };

export interface KServeManifestOptions {
  namespace: string;
  /** The rolled-out version's artifact (`s3://…`, `gs://…`, `pvc://…`): KServe's storage initializer fetches it. */
  storageUri: string;
  runtime: KServeRuntime;
}

/** Labels and annotations Ferry owns on the InferenceService and its revisions. */
export const KSERVE_LABELS = { managedBy: 'app.kubernetes.io/managed-by', model: 'ferry.dev/model', env: 'ferry.dev/env', version: 'ferry.dev/version', routes: 'ferry.dev/routes' } as const;

/** `<model>-<env>`, a valid DNS-1123 name (KServe adds suffixes, so it is kept to 45 characters). */
export function inferenceServiceName(model: string, env: string): string {
  const name = `${model}-${env}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return name.slice(0, 45).replace(/-+$/, '');
}

/**
 * Renders a KServe `InferenceService` (serving.kserve.io/v1beta1) for a route set. KServe splits traffic between the
 * latest revision and the previously rolled-out one, so a route set holds the deployed version plus at most one stable
 * version; the deployed version's share becomes `canaryTrafficPercent` (omitted at 100%).
 */
export function renderInferenceService(req: DeployRequest, options: KServeManifestOptions): Record<string, unknown> {
  const routes = normalizeRoutes(req.routes);
  const mine = routes.find((r) => r.version === req.version);
  if (!mine) throw new FerryError(`kubernetes deployment target: routes ${JSON.stringify(routes)} give no traffic to v${req.version}, the version being deployed`);
  if (routes.length > 2) {
    throw new FerryError(`kubernetes deployment target: KServe splits traffic between two revisions only; routes name ${routes.length} versions (${routes.map((r) => `v${r.version}`).join(', ')})`);
  }
  const versionLabel = { [KSERVE_LABELS.version]: String(req.version) };
  const predictor: Record<string, unknown> = {
    ...(mine.percent < 100 ? { canaryTrafficPercent: mine.percent } : {}),
    labels: versionLabel,
    annotations: versionLabel,
  };
  if ('modelFormat' in options.runtime) {
    predictor.model = { modelFormat: { name: options.runtime.modelFormat }, storageUri: options.storageUri };
  } else {
    predictor.containers = [
      {
        name: 'kserve-container',
        image: options.runtime.image,
        env: [
          { name: 'STORAGE_URI', value: options.storageUri },
          { name: 'FERRY_MODEL', value: req.model },
          { name: 'FERRY_MODEL_VERSION', value: String(req.version) },
        ],
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
      },
    ];
  }
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: inferenceServiceName(req.model, req.env),
      namespace: options.namespace,
      labels: { [KSERVE_LABELS.managedBy]: 'ferry', [KSERVE_LABELS.model]: req.model, [KSERVE_LABELS.env]: req.env },
      // Tag routing gives each of the two revisions its own URL in the status (`latest-…`, `prev-…`): Ferry's gateway
      // sends each version's share there itself, so the split it logs is the split served.
      annotations: { [KSERVE_LABELS.routes]: JSON.stringify(routes), 'serving.kserve.io/enable-tag-routing': 'true' },
    },
    spec: { predictor },
  };
}
