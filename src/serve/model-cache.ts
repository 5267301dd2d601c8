import type { ArtifactStore } from '../artifacts/store.js';
import type { Db } from '../db/client.js';
import type { LoadedConfig } from '../dsl/load-config.js';
import { FerryError } from '../core/errors.js';
import { artifactPath } from './artifacts.js';
import type { BackendSpec } from './backend-spec.js';
import { createJsBackend, createSagemakerBackend, createV2Backend, type Backend } from './backends/index.js';

/** The cache key of a version behind a backend: the same version may be served in-process and by a V2 server. */
export const backendKey = (model: string, version: number, spec: BackendSpec) => `${model}@${version}#${JSON.stringify(spec)}`;

/**
 * Loaded model versions, by `model@version#backend`: a JS backend loads its artifact once with the model's predictor
 * from ferry.config.ts; a V2 backend is checked ready on its server. A failed load is forgotten, so the next route
 * refresh tries again.
 */
export function createModelCache(db: Db, config: LoadedConfig, store?: ArtifactStore) {
  const loaded = new Map<string, Promise<Backend>>();

  async function load(model: string, version: number, spec: BackendSpec): Promise<Backend> {
    if (spec.kind === 'v2') return createV2Backend(spec);
    if (spec.kind === 'sagemaker') return createSagemakerBackend(spec);
    const predictor = config.predictors.get(model);
    if (!predictor) {
      throw new FerryError(`${config.file ?? 'ferry.config.ts'}: no predictor for model "${model}"; add definePredictor('${model}', load) to predictors, or deploy it with the mlserver target`);
    }
    return createJsBackend(await predictor.load(await artifactPath(db, model, version, store)));
  }

  return {
    get(model: string, version: number, spec: BackendSpec = { kind: 'js' }): Promise<Backend> {
      const key = backendKey(model, version, spec);
      let entry = loaded.get(key);
      if (!entry) {
        entry = load(model, version, spec);
        entry.catch(() => loaded.delete(key));
        loaded.set(key, entry);
      }
      return entry;
    },
    /** Drops versions no route uses any more. */
    retain(keep: Set<string>): void {
      for (const key of loaded.keys()) if (!keep.has(key)) loaded.delete(key);
    },
    size: () => loaded.size,
  };
}

export type ModelCache = ReturnType<typeof createModelCache>;
