import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { modelVersions } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { sha256File, type ArtifactStore } from './store.js';

/**
 * A registered version's artifact as a local path, found by its sha256 in the artifact store and checked against it.
 * `who` starts every error message (e.g. `mlserver deployment target`, `ferry export`).
 */
export async function registeredArtifact(db: Db, store: ArtifactStore, model: string, version: number, who: string): Promise<{ path: string; sha256: string; uri: string }> {
  const [row] = await db
    .select({ uri: modelVersions.artifactUri, sha256: modelVersions.artifactSha256 })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new FerryError(`${who}: model ${model} v${version} is not in the registry; use a registered version (ferry models ${model})`);
  let path = store.find(row.sha256);
  if (!path) {
    try {
      path = await store.fetch(row.uri);
    } catch (err) {
      throw new FerryError(`${who}: artifact sha256:${row.sha256} of ${model} v${version} is not in the artifact store (${row.uri}): ${(err as Error).message}`, { cause: err });
    }
  }
  const actual = await sha256File(path).catch(() => undefined);
  // A directory artifact is checked by the store that wrote its manifest; a file is checked here, byte for byte.
  if (actual !== undefined && actual !== row.sha256) throw new FerryError(`${who}: artifact of ${model} v${version} at ${path} has sha256 ${actual}, the registry says ${row.sha256}; the store is corrupt`);
  return { path, sha256: row.sha256, uri: row.uri };
}
