import { eq, and, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { servingRoutes } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { normalizeRoutes } from '../core/routes.js';
import type { Backends } from '../serve/backend-spec.js';
import { liveStateSchema, type DeployRequest, type DeploymentTarget, type LiveState } from './target.js';
import { envValue } from '../settings.js';

export interface LocalTargetOptions {
  db: Db;
  /** Base URL of the running model server (`ferry serve`); default `FERRY_SERVE_URL`. */
  serveUrl?: string;
  fetch?: typeof fetch;
}

/**
 * Writes the `serving_routes` row the gateway polls: the routes and how to reach each version (`backends`; none: the
 * JS predictor). The generation moves only when either changes, so a retried deploy is a no-op the gateway never notices.
 */
export async function writeServingRoutes(db: Db, req: DeployRequest, backends: Backends = {}): Promise<{ generation: number }> {
  const routes = normalizeRoutes(req.routes);
  const changed = await db
    .insert(servingRoutes)
    .values({ model: req.model, env: req.env, routes, backends, generation: 1 })
    .onConflictDoUpdate({
      target: [servingRoutes.model, servingRoutes.env],
      set: { routes, backends, generation: sql`${servingRoutes.generation} + 1`, updatedAt: sql`now()` },
      setWhere: sql`${servingRoutes.routes} IS DISTINCT FROM excluded.routes OR ${servingRoutes.backends} IS DISTINCT FROM excluded.backends`,
    })
    .returning({ generation: servingRoutes.generation });
  if (changed[0]) return { generation: changed[0].generation };
  const [row] = await db
    .select({ generation: servingRoutes.generation })
    .from(servingRoutes)
    .where(and(eq(servingRoutes.model, req.model), eq(servingRoutes.env, req.env)));
  if (!row) throw new FerryError(`deployment target: serving_routes row for ${req.model}/${req.env} vanished while deploying; retry`, { details: { retryable: true } });
  return { generation: row.generation };
}

/** What the gateway at `base` really serves for a model and env (`GET /v1/models/:name/version`). */
export async function readGateway(base: string, req: Pick<DeployRequest, 'model' | 'env'>, doFetch: typeof fetch = fetch, target = 'local'): Promise<LiveState> {
  const url = `${base}/v1/models/${encodeURIComponent(req.model)}/version?env=${encodeURIComponent(req.env)}`;
  let res: Response;
  try {
    res = await doFetch(url);
  } catch (err) {
    throw new FerryError(`${target} deployment target: model server at ${base} does not answer (${(err as Error).message}); start it with 'npx ferry serve' or fix FERRY_SERVE_URL`, { cause: err, details: { retryable: true } });
  }
  // Nothing loaded for this model/env yet reads as "serving nothing", which verification reports as a mismatch.
  if (res.status === 404) return { generation: 0, routes: [] };
  if (!res.ok) {
    throw new FerryError(`${target} deployment target: GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`, { details: { retryable: res.status >= 500 } });
  }
  return liveStateSchema.parse(await res.json());
}

/** The gateway URL a target drives: `serveUrl`, else `FERRY_SERVE_URL`. */
export function gatewayUrl(serveUrl: string | undefined, target: string): string {
  const url = serveUrl ?? envValue('FERRY_SERVE_URL');
  if (!url) throw new FerryError(`${target} deployment target: no model server URL; set FERRY_SERVE_URL (e.g. http://127.0.0.1:8080) to where \`ferry serve\` listens`);
  return url.replace(/\/+$/, '');
}

/**
 * The embedded default: writes the `serving_routes` row Ferry's model server polls, and reads back what the server has
 * actually loaded from `GET /v1/models/:name/version`. Re-deploying the same routes leaves the generation unchanged.
 */
export function createLocalTarget(options: LocalTargetOptions): DeploymentTarget {
  const { db } = options;
  const doFetch = options.fetch ?? fetch;
  const base = gatewayUrl(options.serveUrl, 'local');
  return {
    name: 'local',
    deploy: (req: DeployRequest) => writeServingRoutes(db, req),
    readBack: (req) => readGateway(base, req, doFetch),
  };
}
