import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { log } from '../log.js';
import { HttpError } from './http.js';
import type { PredictionLogger } from './prediction-logger.js';
import type { RouteTable } from './route-table.js';
import { pickVersion, type Rng } from './routing.js';
import type { PredictBody } from './schemas.js';

export interface PredictResult {
  requestIds: string[];
  outputs: unknown[];
  version: number;
}

/**
 * Request ids, one per record: the body's `requestIds`, else the `X-Request-Id` header (suffixed `:<index>` when the
 * request carries more than one record), else fresh UUIDs.
 */
export function requestIdsFor(body: PredictBody, header: string | undefined): string[] {
  if (body.requestIds) return body.requestIds;
  if (header) return body.inputs.length === 1 ? [header] : body.inputs.map((_, i) => `${header}:${i}`);
  return body.inputs.map(() => randomUUID());
}

/**
 * Serves one predict request: routes it to one version by the routes' percentages, calls the predictor, and logs every
 * record (errors included, which the canary gate counts). A predictor that throws becomes HTTP 500.
 */
export async function predict(
  deps: { routes: RouteTable; logger: PredictionLogger; rng: Rng },
  model: string,
  body: PredictBody,
  requestIdHeader: string | undefined,
): Promise<PredictResult> {
  const state = deps.routes.get(model, body.env);
  if (!state) {
    const pending = deps.routes.pending(model, body.env);
    if (pending) throw new HttpError(503, `model ${model} (${body.env}) is not loaded: ${pending.error}`);
    throw new HttpError(404, `model ${model} is not served in env ${body.env}; deploy a version to it first`);
  }
  const requestIds = requestIdsFor(body, requestIdHeader);
  const version = pickVersion(state.routes, deps.rng);
  const predictFn = state.predictors.get(version)!;
  const started = performance.now();
  let outputs: unknown[];
  try {
    outputs = await predictFn(body.inputs);
    if (!Array.isArray(outputs) || outputs.length !== body.inputs.length) {
      throw new Error(`predictor returned ${Array.isArray(outputs) ? outputs.length : typeof outputs} outputs for ${body.inputs.length} inputs; return one output per input record`);
    }
  } catch (err) {
    const latencyMs = performance.now() - started;
    const message = (err as Error)?.message ?? String(err);
    const at = new Date();
    body.inputs.forEach((inputs, i) =>
      deps.logger.log({ requestId: requestIds[i]!, model, version, env: body.env, inputs, outputs: null, error: message, latencyMs, at }),
    );
    log.warn({ model, version, env: body.env, err: message }, 'predictor failed');
    throw new HttpError(500, `model ${model} v${version} failed: ${message}`, { requestIds, version });
  }
  const latencyMs = performance.now() - started;
  const at = new Date();
  body.inputs.forEach((inputs, i) =>
    deps.logger.log({ requestId: requestIds[i]!, model, version, env: body.env, inputs, outputs: outputs[i] ?? null, error: null, latencyMs, at }),
  );
  return { requestIds, outputs, version };
}
