import { and, eq } from 'drizzle-orm';
import { fileURLToPath } from 'node:url';
import type { ArtifactStore } from '../artifacts/store.js';
import type { Db } from '../db/client.js';
import { modelVersions } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';

/**
 * Local path of a registered version's model artifact. Reads `model_versions` directly (the registry's
 * `getVersion` resolves aliases, which routes never carry: they name exact versions). With the artifact store, any URI
 * it holds (`s3://` too) is fetched into this machine's cache, hash-checked; without one, only `file://` URIs serve.
 */
export async function artifactPath(db: Db, model: string, version: number, store?: ArtifactStore): Promise<string> {
  const [row] = await db
    .select({ uri: modelVersions.artifactUri })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new FerryError(`model ${model} v${version}: not in the registry; route only registered versions`);
  if (store) return store.fetch(row.uri);
  if (!row.uri.startsWith('file://')) {
    throw new FerryError(`model ${model} v${version}: artifact ${row.uri} is not a file:// URI; the local model server serves local artifacts only (use the kubernetes or webhook target)`);
  }
  return fileURLToPath(row.uri);
}
