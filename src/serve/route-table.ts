import type { Db } from '../db/client.js';
import { servingRoutes } from '../db/schema/index.js';
import { normalizeRoutes, sameRoutes, type Route } from '../core/routes.js';
import { log } from '../log.js';
import { backendOf, backendsSchema, type Backends } from './backend-spec.js';
import type { Backend } from './backends/index.js';
import { backendKey, type ModelCache } from './model-cache.js';
import { firstIssue } from '../dsl/issues.js';

/** What the server serves for one model in one environment: only states whose every version loaded. */
export interface ServedState {
  model: string;
  env: string;
  generation: number;
  routes: Route[];
  /** Each routed version's backend, as stored. */
  backendSpecs: Backends;
  backends: Map<number, Backend>;
}

/** A route row that could not be loaded (kept off the live state, shown on `GET /v1/models/:name`). */
export interface PendingState {
  generation: number;
  routes: Route[];
  error: string;
}

const key = (model: string, env: string) => `${model}\u0000${env}`;

/**
 * The server's routing state, refreshed from `serving_routes`. A new generation goes live only once all its versions
 * have loaded, so `GET …/version` reports what is really served and a deploy's read-back catches a failed load.
 */
export function createRouteTable(db: Db, models: ModelCache) {
  const live = new Map<string, ServedState>();
  const pending = new Map<string, PendingState>();
  let inFlight: Promise<void> | undefined;

  async function load(row: { model: string; env: string; routes: Route[]; backends: unknown; generation: number }): Promise<void> {
    const k = key(row.model, row.env);
    const routes = normalizeRoutes(row.routes);
    const current = live.get(k);
    const specs = backendsSchema.safeParse(row.backends ?? {});
    if (current && current.generation === row.generation && sameRoutes(current.routes, routes) && JSON.stringify(current.backendSpecs) === JSON.stringify(specs.data)) return;
    try {
      if (!specs.success) throw new Error(`serving_routes.backends of ${row.model}/${row.env}: ${firstIssue(specs.error, row.backends ?? {}).message} at ${firstIssue(specs.error, row.backends ?? {}).path}`);
      const backends = new Map<number, Backend>();
      for (const r of routes) backends.set(r.version, await models.get(row.model, r.version, backendOf(specs.data, r.version)));
      live.set(k, { model: row.model, env: row.env, generation: row.generation, routes, backendSpecs: specs.data, backends });
      pending.delete(k);
    } catch (err) {
      const message = (err as Error).message;
      if (pending.get(k)?.error !== message) log.error({ model: row.model, env: row.env, generation: row.generation, err: message }, 'cannot load routed model versions');
      pending.set(k, { generation: row.generation, routes, error: message });
    }
  }

  async function refreshOnce(): Promise<void> {
    const rows = await db.select().from(servingRoutes);
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(key(row.model, row.env));
      await load(row);
    }
    for (const k of [...live.keys()]) if (!seen.has(k)) live.delete(k);
    for (const k of [...pending.keys()]) if (!seen.has(k)) pending.delete(k);
    models.retain(new Set([...live.values()].flatMap((s) => s.routes.map((r) => backendKey(s.model, r.version, backendOf(s.backendSpecs, r.version))))));
  }

  return {
    /** Re-reads `serving_routes` (concurrent calls share one read). */
    refresh(): Promise<void> {
      inFlight ??= refreshOnce().finally(() => (inFlight = undefined));
      return inFlight;
    },
    get: (model: string, env: string): ServedState | undefined => live.get(key(model, env)),
    pending: (model: string, env: string): PendingState | undefined => pending.get(key(model, env)),
    /** Every environment a model is served in (or failed to load in). */
    envsOf(model: string): string[] {
      const envs = new Set<string>();
      for (const s of live.values()) if (s.model === model) envs.add(s.env);
      for (const k of pending.keys()) if (k.startsWith(`${model}\u0000`)) envs.add(k.slice(model.length + 1));
      return [...envs].sort();
    },
    size: () => live.size,
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;
