import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { log } from '../log.js';
import { BackendError } from './backends/index.js';
import { HttpError } from './http.js';
import type { PredictionLogger } from './prediction-logger.js';
import type { RouteTable } from './route-table.js';
import { pickVersion, type Rng } from './routing.js';

export interface PredictResult {
  requestIds: string[];
  outputs: unknown[];
  version: number;
}

/** One prediction call, whichever protocol it came in: V1 (`/v1/models/:name/predict`) or V2 (`…/infer`). */
export interface PredictCall {
  inputs: Record<string, unknown>[];
  env: string;
  /** One id per record; otherwise the X-Request-Id header or generated ids. */
  requestIds?: string[];
  /** Serve this routed version instead of splitting traffic (V2's `/versions/{v}/infer`). */
  version?: number;
}

/**
 * Request ids, one per record: the call's `requestIds`, else the `X-Request-Id` header (suffixed `:<index>` when the
 * request carries more than one record), else fresh UUIDs.
 */
export function requestIdsFor(body: Pick<PredictCall, 'inputs' | 'requestIds'>, header: string | undefined): string[] {
  if (body.requestIds) return body.requestIds;
  if (header) return body.inputs.length === 1 ? [header] : body.inputs.map((_, i) => `${header}:${i}`);
  return body.inputs.map(() => randomUUID());
}

/**
 * Serves one predict call: routes it to one version by the routes' percentages, calls that version's backend, and logs
 * every record (errors included, which the canary gate counts). A predictor that throws becomes HTTP 500, a backend
 * that fails or cannot be reached 502; a backend refusing the inputs (wrong fields or types) is the caller's mistake:
 * 400, not logged as a prediction.
 */
export async function predict(deps: { routes: RouteTable; logger: PredictionLogger; rng: Rng }, model: string, body: PredictCall, requestIdHeader: string | undefined): Promise<PredictResult> {
  const state = deps.routes.get(model, body.env);
  if (!state) {
    const pending = deps.routes.pending(model, body.env);
    if (pending) throw new HttpError(503, `model ${model} (${body.env}) is not loaded: ${pending.error}`);
    throw new HttpError(404, `model ${model} is not served in env ${body.env}; deploy a version to it first`);
  }
  if (body.version !== undefined && !state.backends.has(body.version)) {
    throw new HttpError(404, `model ${model} v${body.version} is not served in env ${body.env} (served: ${state.routes.map((r) => `v${r.version}`).join(', ')})`);
  }
  const requestIds = requestIdsFor(body, requestIdHeader);
  const version = body.version ?? pickVersion(state.routes, deps.rng);
  const backend = state.backends.get(version)!;
  const started = performance.now();
  let outputs: unknown[];
  try {
    outputs = await backend.predict(body.inputs);
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    if (err instanceof BackendError && err.status < 500) throw new HttpError(err.status, `model ${model} v${version}: ${message}`, { requestIds, version });
    const latencyMs = performance.now() - started;
    const at = new Date();
    body.inputs.forEach((inputs, i) =>
      deps.logger.log({ requestId: requestIds[i]!, model, version, env: body.env, inputs, outputs: null, error: message, latencyMs, at }),
    );
    log.warn({ model, version, env: body.env, err: message }, 'predictor failed');
    throw new HttpError(err instanceof BackendError ? err.status : 500, `model ${model} v${version} failed: ${message}`, { requestIds, version });
  }
  const latencyMs = performance.now() - started;
  const at = new Date();
  body.inputs.forEach((inputs, i) =>
    deps.logger.log({ requestId: requestIds[i]!, model, version, env: body.env, inputs, outputs: outputs[i] ?? null, error: null, latencyMs, at }),
  );
  return { requestIds, outputs, version };
}
