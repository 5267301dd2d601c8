import type { IncomingMessage, ServerResponse } from 'node:http';
import { FERRY_VERSION } from '../package-info.js';
import { HttpError, pathSegment, readJson, sendJson } from './http.js';
import type { PredictCall, PredictResult } from './predict.js';
import type { RouteTable } from './route-table.js';
import { inferenceRequestSchema, recordsFromTensors, tensorsFromOutputs, TensorShapeError } from './v2.js';

const INFER = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/;
const READY = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/ready$/;
const METADATA = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?$/;

export interface V2Deps {
  routes: RouteTable;
  /** The gateway's predict path (routing, backend, log, metrics), shared with `/v1`. */
  predict(model: string, call: PredictCall, req: IncomingMessage): Promise<PredictResult>;
  /** Whether the gateway has read its routes at least once. */
  ready(): boolean;
}

function versionOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(pathSegment(raw));
  if (!Number.isInteger(v) || v < 1) throw new HttpError(400, `version "${pathSegment(raw)}" is not a version number; use /v2/models/{name}/versions/{N}/…`);
  return v;
}

/**
 * The Open Inference Protocol (V2) on the gateway: health, server and model metadata, readiness and inference, for
 * every served model whatever its backend. V2 has no environments: `?env=` picks one (default production).
 * Returns false when the path is not a V2 route.
 */
export async function handleV2(deps: V2Deps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const env = url.searchParams.get('env') ?? 'production';
  let m: RegExpExecArray | null;
  if (method === 'GET' && path === '/v2/health/live') return void sendJson(res, 200, { live: true }), true;
  if (method === 'GET' && path === '/v2/health/ready') {
    const ready = deps.ready();
    return void sendJson(res, ready ? 200 : 503, { ready }), true;
  }
  if (method === 'GET' && path === '/v2') return void sendJson(res, 200, { name: 'ferry', version: FERRY_VERSION, extensions: [] }), true;
  if (method === 'POST' && (m = INFER.exec(path))) {
    const model = pathSegment(m[1]!);
    const version = versionOf(m[2]);
    const body = await readJson(req, inferenceRequestSchema);
    let inputs: Record<string, unknown>[];
    try {
      inputs = recordsFromTensors(body.inputs);
    } catch (err) {
      if (err instanceof TensorShapeError) throw new HttpError(400, `body.${err.message}`);
      throw err;
    }
    const header = req.headers['x-request-id'];
    const requestIds = body.id && !header ? (inputs.length === 1 ? [body.id] : inputs.map((_, i) => `${body.id}:${i}`)) : undefined;
    const result = await deps.predict(model, { inputs, env, ...(requestIds ? { requestIds } : {}), ...(version ? { version } : {}) }, req);
    sendJson(res, 200, {
      model_name: model,
      model_version: String(result.version),
      ...(body.id ? { id: body.id } : {}),
      parameters: { request_ids: result.requestIds },
      outputs: tensorsFromOutputs(result.outputs),
    });
    return true;
  }
  if (method === 'GET' && (m = READY.exec(path))) {
    const model = pathSegment(m[1]!);
    const version = versionOf(m[2]);
    const state = deps.routes.get(model, env);
    const ready = !!state && (version === undefined || state.backends.has(version));
    sendJson(res, ready ? 200 : 404, { name: model, ready, ...(ready ? {} : { error: `model ${model}${version ? ` v${version}` : ''} is not served in env ${env}` }) });
    return true;
  }
  if (method === 'GET' && (m = METADATA.exec(path))) {
    const model = pathSegment(m[1]!);
    const version = versionOf(m[2]);
    const state = deps.routes.get(model, env);
    if (!state || (version !== undefined && !state.backends.has(version))) throw new HttpError(404, `model ${model}${version ? ` v${version}` : ''} is not served in env ${env}; deploy a version to it first`);
    // The metadata of the version taking the most traffic (or the one asked for).
    const main = version ?? [...state.routes].sort((a, b) => b.percent - a.percent)[0]!.version;
    const backend = state.backends.get(main)!;
    sendJson(res, 200, {
      name: model,
      versions: state.routes.map((r) => String(r.version)),
      platform: backend.metadata.platform,
      inputs: backend.metadata.inputs,
      outputs: backend.metadata.outputs,
      parameters: { env, generation: state.generation, routes: state.routes, backend: backend.spec.kind },
    });
    return true;
  }
  return false;
}
