import type { Db } from '../db/client.js';
import type { LoadedConfig } from '../config.js';
import type { Predict } from '../dsl/config.js';
import { FerryError } from '../core/errors.js';
import { artifactPath } from './artifacts.js';

/**
 * Loaded model versions, by `model@version`: each artifact is loaded once with the model's predictor from
 * ferry.config.ts. A failed load is forgotten, so the next route refresh tries again.
 */
export function createModelCache(db: Db, config: LoadedConfig) {
  const loaded = new Map<string, Promise<Predict>>();
  return {
    get(model: string, version: number): Promise<Predict> {
      const key = `${model}@${version}`;
      let entry = loaded.get(key);
      if (!entry) {
        entry = (async () => {
          const predictor = config.predictors.get(model);
          if (!predictor) {
            throw new FerryError(`${config.file ?? 'ferry.config.ts'}: no predictor for model "${model}"; add definePredictor('${model}', load) to predictors`);
          }
          return predictor.load(await artifactPath(db, model, version));
        })();
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
