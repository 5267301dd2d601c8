import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { modelVersions } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { isUnreachable, outsideService, tracked } from '../health/index.js';
import { createKubernetesTarget, type KubernetesTargetOptions } from './kubernetes.js';
import type { ArtifactStore } from '../artifacts/store.js';
import { sharedMlserver } from '../mlserver/server.js';
import { createLocalTarget } from './local.js';
import { createMlserverTarget } from './mlserver.js';
import { createSagemakerTarget } from './sagemaker.js';
import { fillVariantUrl, sagemakerClient, sagemakerSettings, type SagemakerEnv } from './sagemaker-settings.js';
import type { DeploymentTarget } from './target.js';
import { createWebhookTarget, type WebhookTargetOptions } from './webhook-target.js';

export type TargetName = DeploymentTarget['name'];

export interface TargetDeps {
  db: Db;
  /** Where registered artifacts are fetched from by sha256 (`mlserver`). */
  store?: ArtifactStore;
  /** FERRY_HOME: the `mlserver` target keeps its MLServer's model repository under it. */
  home?: string;
  /** Model server URL for `local` (default `FERRY_SERVE_URL`). */
  serveUrl?: string;
  kubernetes?: Partial<KubernetesTargetOptions>;
  webhook?: WebhookTargetOptions;
  /** The `FERRY_SAGEMAKER_*`, `FERRY_ARTIFACTS` and `AWS_*` variables of the `sagemaker` target (checked when it is built). */
  sagemaker?: SagemakerEnv;
}

/** A registered version's artifact URI, straight from `model_versions`. */
export async function registeredArtifactUri(db: Db, model: string, version: number): Promise<string> {
  const [row] = await db
    .select({ uri: modelVersions.artifactUri })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new FerryError(`model ${model} v${version}: not in the registry; deploy only registered versions`);
  return row.uri;
}

/** A registered version's artifact URI and sha256, for targets that hand the artifact to another system. */
export async function registeredArtifact(db: Db, model: string, version: number): Promise<{ uri: string; sha256: string }> {
  const [row] = await db
    .select({ uri: modelVersions.artifactUri, sha256: modelVersions.artifactSha256 })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new FerryError(`model ${model} v${version}: not in the registry; deploy only registered versions`);
  return row;
}

/** Whether a target's failure means it is down (no connection, or a retryable answer), not that the request was wrong. */
const targetDown = (err: unknown) => isUnreachable(err) || (err instanceof FerryError && err.details.retryable === true);

/** A target whose calls record its health: a target that is down shows as degraded in the log and `ferry status`. */
function watched(target: DeploymentTarget): DeploymentTarget {
  const service = outsideService.deployTarget(target.name);
  return {
    name: target.name,
    deploy: (req) => tracked(service, () => target.deploy(req), targetDown),
    readBack: (req) => tracked(service, () => target.readBack(req), targetDown),
  };
}

/** The deployment target a pipeline's `deploy[].target` names, configured from the environment unless told otherwise. */
export function createTarget(name: TargetName, deps: TargetDeps): DeploymentTarget {
  return watched(configuredTarget(name, deps));
}

function configuredTarget(name: TargetName, deps: TargetDeps): DeploymentTarget {
  switch (name) {
    case 'local':
      return createLocalTarget({ db: deps.db, serveUrl: deps.serveUrl });
    case 'kubernetes':
      return createKubernetesTarget({ db: deps.db, serveUrl: deps.serveUrl, artifactUri: (model, version) => registeredArtifactUri(deps.db, model, version), ...deps.kubernetes });
    case 'webhook':
      return createWebhookTarget({ artifact: (model, version) => registeredArtifact(deps.db, model, version), ...deps.webhook });
    case 'mlserver': {
      const { store, home } = deps;
      if (!store || !home) throw new FerryError('mlserver deployment target: needs the artifact store and FERRY_HOME (run it on a Ferry worker)');
      return createMlserverTarget({ db: deps.db, store, serveUrl: deps.serveUrl, mlserver: () => sharedMlserver(home) });
    }
    case 'sagemaker': {
      const settings = sagemakerSettings(deps.sagemaker ?? {});
      return createSagemakerTarget({
        db: deps.db,
        client: sagemakerClient(settings),
        roleArn: settings.roleArn,
        image: settings.image,
        instanceType: settings.instanceType,
        artifactUri: (model, version) => registeredArtifactUri(deps.db, model, version),
        region: settings.region,
        ...(settings.endpoint ? { endpointUrl: settings.endpoint } : {}),
        ...(settings.variantUrl ? { variantUrl: (model: string, version: number, endpoint: string) => fillVariantUrl(settings.variantUrl!, { model, version, endpoint }) } : {}),
        serveUrl: deps.serveUrl,
      });
    }
    default: {
      const unknown: never = name;
      throw new FerryError(`unknown deployment target "${String(unknown)}"; use local, mlserver, kubernetes, webhook or sagemaker`);
    }
  }
}
