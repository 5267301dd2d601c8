import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SpanKind, type Span } from '@opentelemetry/api';
import type { LoadedConfig } from '../dsl/load-config.js';
import type { Db } from '../db/client.js';
import { log } from '../log.js';
import { metricsContentType, metricsRegistry } from '../observability/metrics-registry.js';
import { serveMetrics, watchModelServer } from '../observability/serve-metrics.js';
import { startTracing, withSpan } from '../observability/tracing.js';
import { authorizeFeedback, recordFeedback } from './feedback.js';
import { HttpError, pathSegment, readJson, sendJson } from './http.js';
import { createModelCache } from './model-cache.js';
import { predict, type PredictCall, type PredictResult } from './predict.js';
import { createPredictionLogger, type PredictionLoggerOptions, type PredictionLoggerStats } from './prediction-logger.js';
import { createRouteTable } from './route-table.js';
import type { Rng } from './routing.js';
import { feedbackBodySchema, predictBodySchema } from './schemas.js';
import { handleV2 } from './v2-routes.js';
import type { ArtifactStore } from '../artifacts/store.js';

export interface ModelServerOptions {
  db: Db;
  config: LoadedConfig;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How often `serving_routes` is re-read (default 1000 ms). */
  refreshMs?: number;
  /** Traffic-split randomness (default `Math.random`). */
  rng?: Rng;
  logger?: PredictionLoggerOptions;
  /** Where registered artifacts are fetched from (`openArtifactStore`); unset: `file://` URIs only. */
  store?: ArtifactStore;
}

export interface ModelServer {
  url: string;
  /** Re-reads the routes now (the poller does it every `refreshMs`). */
  refresh(): Promise<void>;
  /** Counters for the metrics endpoint. */
  stats(): { predictionLog: PredictionLoggerStats; servedRoutes: number; loadedVersions: number };
  /** Stops taking requests, lets running ones finish, then writes every queued prediction. */
  close(): Promise<void>;
}

const PREDICT = /^\/v1\/models\/([^/]+)\/predict$/;
const VERSION = /^\/v1\/models\/([^/]+)\/version$/;
const MODEL = /^\/v1\/models\/([^/]+)$/;

/**
 * Starts Ferry's model server: serves the versions `serving_routes` names (polled every `refreshMs`), splits traffic by
 * their percentages, and logs every prediction in batches.
 * @example const server = await createModelServer({ db, config: await loadConfig(), port: 8080 });
 */
export async function createModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const { db } = options;
  const models = createModelCache(db, options.config, options.store);
  const routes = createRouteTable(db, models);
  const logger = createPredictionLogger(db, options.logger);
  const rng = options.rng ?? Math.random;
  startTracing('ferry-serve');
  await routes.refresh();
  const routesRead = true;
  const poll = setInterval(() => void routes.refresh().catch((err: Error) => log.error({ err: err.message }, 'cannot read serving_routes')), options.refreshMs ?? 1000);
  poll.unref();

  /** Routing, the version's backend, the prediction log and the metrics: the same for `/v1` and `/v2`. */
  async function servePredict(model: string, call: PredictCall, req: IncomingMessage, span: Span | undefined): Promise<PredictResult> {
    const header = req.headers['x-request-id'];
    // Only served models get their own label values: arbitrary names in URLs must not grow the series.
    const labels = routes.get(model, call.env) ? { model, env: call.env } : { model: 'unserved', env: 'unserved' };
    span?.setAttribute('ferry.env', call.env);
    const started = performance.now();
    try {
      const result = await predict({ routes, logger, rng }, model, call, Array.isArray(header) ? header[0] : header);
      serveMetrics.predictions.inc({ ...labels, status: 'ok' }, call.inputs.length);
      span?.setAttribute('ferry.version', result.version);
      return result;
    } catch (err) {
      serveMetrics.predictions.inc({ ...labels, status: 'error' }, call.inputs.length);
      throw err;
    } finally {
      serveMetrics.latency.observe(labels, (performance.now() - started) / 1000);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = PREDICT.exec(path))) {
      const model = pathSegment(m[1]!);
      // The body is read inside the span, so a caller's trace covers parsing too.
      return withSpan(`predict ${model}`, { 'ferry.model': model }, async (span) => {
        const result = await servePredict(model, await readJson(req, predictBodySchema), req, span);
        return sendJson(res, 200, result, result.requestIds.length === 1 ? { 'x-request-id': result.requestIds[0]! } : {});
      }, { carrier: req.headers, kind: SpanKind.SERVER });
    }
    if (path.startsWith('/v2') && (await handleV2({ routes, ready: () => routesRead, predict: (model, call, r) => withSpan(`infer ${model}`, { 'ferry.model': model }, (span) => servePredict(model, call, r, span), { carrier: r.headers, kind: SpanKind.SERVER }) }, req, res, url))) return;
    if (method === 'GET' && (m = VERSION.exec(path))) {
      const model = pathSegment(m[1]!);
      const env = url.searchParams.get('env') ?? 'production';
      const state = routes.get(model, env);
      if (!state) throw new HttpError(404, `model ${model} is not served in env ${env}`, { pending: routes.pending(model, env) ?? null });
      return sendJson(res, 200, { model, env, generation: state.generation, routes: state.routes });
    }
    if (method === 'GET' && (m = MODEL.exec(path))) {
      const model = pathSegment(m[1]!);
      const envs = routes.envsOf(model).map((env) => {
        const state = routes.get(model, env);
        const pending = routes.pending(model, env);
        return {
          env,
          generation: state?.generation ?? null,
          routes: state?.routes ?? [],
          versions: state?.routes.map((r) => r.version) ?? [],
          ...(pending ? { pending } : {}),
        };
      });
      if (envs.length === 0) throw new HttpError(404, `model ${model} is not served in any env; deploy a version to it first`);
      return sendJson(res, 200, { model, envs });
    }
    if (method === 'POST' && path === '/v1/feedback') {
      await authorizeFeedback(db, req.headers.authorization);
      const outcome = await recordFeedback(db, await readJson(req, feedbackBodySchema), () => logger.flush());
      return sendJson(res, outcome.refused.length === 0 ? 200 : 409, outcome);
    }
    if (method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok', servedRoutes: routes.size(), predictionLog: logger.stats() });
    if (method === 'GET' && path === '/metrics') {
      const text = await metricsRegistry.metrics();
      res.writeHead(200, { 'content-type': metricsContentType, 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    throw new HttpError(404, `no route for ${method} ${path}`);
  }

  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const done: Promise<void> = handle(req, res)
      .catch((err: unknown) => {
        // The one place errors become responses.
        if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message, ...err.extra });
        log.error({ err: (err as Error).message, url: req.url }, 'model server request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the server log' });
        else res.destroy();
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const stats = () => ({ predictionLog: logger.stats(), servedRoutes: routes.size(), loadedVersions: models.size() });
  const unwatch = watchModelServer(stats);
  return {
    url: `http://${host}:${address.port}`,
    refresh: () => routes.refresh(),
    stats,
    close() {
      closing ??= (async () => {
        unwatch();
        clearInterval(poll);
        let stoppedFlag = false;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve())).then(() => void (stoppedFlag = true));
        // Keep-alive sockets go idle as their last response ends; close them as they do, force the rest after 10 s.
        const deadline = Date.now() + 10_000;
        while (!stoppedFlag) {
          server.closeIdleConnections();
          await Promise.race([Promise.allSettled([...inFlight]).then(() => new Promise((r) => setTimeout(r, 20))), stopped]);
          if (Date.now() > deadline) server.closeAllConnections();
        }
        await Promise.allSettled([...inFlight]);
        // Only now: every request has queued its records, so closing the logger writes them all.
        await logger.close();
      })();
      return closing;
    },
  };
}
