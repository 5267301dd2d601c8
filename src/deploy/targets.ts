import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { modelVersions } from '../db/schema/index.js';
import { FerryError } from '../errors.js';
import { createKubernetesTarget, type KubernetesTargetOptions } from './kubernetes.js';
import { createLocalTarget } from './local.js';
import type { DeploymentTarget } from './target.js';
import { createWebhookTarget, type WebhookTargetOptions } from './webhook.js';

export type TargetName = DeploymentTarget['name'];

export interface TargetDeps {
  db: Db;
  /** Model server URL for `local` (default `FERRY_SERVE_URL`). */
  serveUrl?: string;
  kubernetes?: Partial<KubernetesTargetOptions>;
  webhook?: WebhookTargetOptions;
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

/** The deployment target a pipeline's `deploy[].target` names, configured from the environment unless told otherwise. */
export function createTarget(name: TargetName, deps: TargetDeps): DeploymentTarget {
  switch (name) {
    case 'local':
      return createLocalTarget({ db: deps.db, serveUrl: deps.serveUrl });
    case 'kubernetes':
      return createKubernetesTarget({ artifactUri: (model, version) => registeredArtifactUri(deps.db, model, version), ...deps.kubernetes });
    case 'webhook':
      return createWebhookTarget(deps.webhook);
    default: {
      const unknown: never = name;
      throw new FerryError(`unknown deployment target "${String(unknown)}"; use local, kubernetes or webhook`);
    }
  }
}
