import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { importProjectModule } from './load.js';
import type { FerryConfig, GateDefinition, PredictorDefinition, StepDefinition } from './ferry-config.js';

export interface LoadedConfig {
  file?: string;
  steps: Map<string, StepDefinition>;
  gates: Map<string, GateDefinition>;
  predictors: Map<string, PredictorDefinition>;
}

function index<T>(items: T[] | undefined, key: (item: T) => string, what: string, file: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items ?? []) {
    const name = key(item);
    if (map.has(name)) throw new UsageError(`${file}: ${what} "${name}" is registered twice; give each one its own name`);
    map.set(name, item);
  }
  return map;
}

/** Builds the registries from a config object (tests pass one directly). */
export function configFrom(config: FerryConfig, file = 'ferry.config.ts'): LoadedConfig {
  return {
    file,
    steps: index(config.steps, (s) => s.name, 'step', file),
    gates: index(config.gates, (g) => g.name, 'gate', file),
    predictors: index(config.predictors, (p) => p.model, 'predictor for model', file),
  };
}

/** Loads `ferry.config.ts` from `cwd` (or the given file); no file means no step functions. */
export async function loadConfig(cwd = process.cwd(), file?: string): Promise<LoadedConfig> {
  const path = resolve(cwd, file ?? 'ferry.config.ts');
  if (!existsSync(path)) {
    if (file) throw new UsageError(`${file}: no such file; pass --config with the path of your ferry.config.ts`);
    return configFrom({});
  }
  const mod = (await importProjectModule(path, relative(cwd, path) || path)) as { default?: FerryConfig };
  if (!mod.default) throw new UsageError(`${path}: has no default export; end it with "export default defineConfig({ steps: [...] })"`);
  return configFrom(mod.default, path);
}
