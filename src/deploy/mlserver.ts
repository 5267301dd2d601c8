import { eq } from 'drizzle-orm';
import type { ArtifactStore } from '../artifacts/store.js';
import { registeredArtifact } from '../artifacts/registered.js';
import type { Db } from '../db/client.js';
import { servingRoutes } from '../db/schema/index.js';
import { log } from '../log.js';
import { isReady, loadModel, mlserverModelName, removeModelVersion, unloadModel, writeModelVersion } from '../mlserver/repository.js';
import type { MlserverInstance } from '../mlserver/server.js';
import { backendsSchema, type Backends } from '../serve/backend-spec.js';
import { gatewayUrl, readGateway, writeServingRoutes } from './local.js';
import { normalizeRoutes } from '../core/routes.js';
import type { DeployRequest, DeploymentTarget, LiveState } from './target.js';

export interface MlserverTargetOptions {
  db: Db;
  store: ArtifactStore;
  /** The MLServer to drive (started on first use by the caller, e.g. `sharedMlserver(home)`). */
  mlserver: () => Promise<MlserverInstance>;
  /** Ferry's gateway, which routes to MLServer (default `FERRY_SERVE_URL`). */
  serveUrl?: string;
  /** How long a deploy waits for the gateway to switch before unloading versions no route needs (default 30 s). */
  switchTimeoutMs?: number;
}


/**
 * Serves registered Python models (scikit-learn joblib, XGBoost, MLflow) on MLServer behind Ferry's gateway. A deploy
 * writes each routed version into MLServer's model repository (`<model>-v<N>/` with its model-settings.json), loads
 * it through the repository API and reads its readiness back, then writes the routes with a V2 backend per version for
 * the gateway; once the gateway serves them, versions no route needs any more are unloaded. Read-back is the gateway's
 * view, with every routed version also ready on MLServer.
 */
export function createMlserverTarget(options: MlserverTargetOptions): DeploymentTarget {
  const { db, store } = options;
  const base = gatewayUrl(options.serveUrl, 'mlserver');

  async function unloadUnrouted(server: MlserverInstance, model: string): Promise<void> {
    const rows = await db.select({ routes: servingRoutes.routes, backends: servingRoutes.backends }).from(servingRoutes).where(eq(servingRoutes.model, model));
    const needed = new Set<string>();
    for (const row of rows) {
      const backends = backendsSchema.safeParse(row.backends);
      for (const r of normalizeRoutes(row.routes)) {
        const b = backends.success ? backends.data[String(r.version)] : undefined;
        if (b?.kind === 'v2' && b.server === 'mlserver') needed.add(b.name);
      }
    }
    const loaded = await fetch(`${server.url}/v2/repository/index`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ready: true }) })
      .then((r) => (r.ok ? (r.json() as Promise<{ name: string }[]>) : []))
      .catch(() => [] as { name: string }[]);
    const mine = new RegExp(`^${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-v[0-9]+$`);
    for (const { name } of loaded) {
      if (!mine.test(name) || needed.has(name)) continue;
      await unloadModel(server.url, name);
      removeModelVersion(server.repository, name);
      log.info({ model, name }, 'mlserver: unloaded a version no route serves');
    }
  }

  return {
    name: 'mlserver',
    async deploy(req: DeployRequest) {
      const server = await options.mlserver();
      const backends: Backends = {};
      for (const { version } of normalizeRoutes(req.routes)) {
        const artifact = await registeredArtifact(db, store, req.model, version, 'mlserver deployment target');
        const written = writeModelVersion({ repository: server.repository, model: req.model, version, artifact: artifact.path, sha256: artifact.sha256, python: server.python });
        if (!(await isReady(server.url, written.name))) await loadModel(server.url, written.name);
        backends[String(version)] = { kind: 'v2', url: server.url, name: written.name, server: 'mlserver' };
      }
      const { generation } = await writeServingRoutes(db, req, backends);
      // Unload only once the gateway no longer sends traffic to what goes away.
      const deadline = Date.now() + (options.switchTimeoutMs ?? 30_000);
      while (Date.now() < deadline) {
        const live = await readGateway(base, req, fetch, 'mlserver').catch(() => undefined);
        if (live && live.generation >= generation) {
          await unloadUnrouted(server, req.model);
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return { generation };
    },
    async readBack(req): Promise<LiveState> {
      const live = await readGateway(base, req, fetch, 'mlserver');
      const server = await options.mlserver();
      // A version MLServer no longer has ready is not served, whatever the gateway last loaded.
      const ready = await Promise.all(live.routes.map((r) => isReady(server.url, mlserverModelName(req.model, r.version))));
      return { generation: live.generation, routes: live.routes.filter((_, i) => ready[i]) };
    },
  };
}
