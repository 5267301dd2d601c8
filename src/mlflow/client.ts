import { z } from 'zod';
import { FerryError } from '../core/errors.js';
import { firstIssue } from '../dsl/issues.js';

/**
 * MLflow's REST API (2.0 routes of an MLflow 3.x tracking server), as much of it as Ferry's mirror uses. Plain HTTP: no
 * Python on workers. Every response is checked with zod; an error response becomes an `MlflowError` carrying MLflow's
 * `error_code` (e.g. RESOURCE_DOES_NOT_EXIST), so callers branch on codes, never on message text.
 */
export class MlflowError extends FerryError {
  override name = 'MlflowError';
  constructor(
    readonly route: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`MLflow ${route}: ${status} ${code}: ${message}`, { details: { route, status, code } });
  }
}

const tag = z.object({ key: z.string(), value: z.string().optional().default('') });
const tags = z.array(tag).optional().default([]);
const metric = z.object({ key: z.string(), value: z.number(), timestamp: z.coerce.number(), step: z.coerce.number().optional().default(0) });
const param = z.object({ key: z.string(), value: z.string() });

export const mlflowRunSchema = z.object({
  info: z.object({ run_id: z.string(), experiment_id: z.string(), status: z.string().optional(), artifact_uri: z.string().optional() }),
  data: z.object({ metrics: z.array(metric).optional().default([]), params: z.array(param).optional().default([]), tags }).optional().default({ metrics: [], params: [], tags: [] }),
});
export type MlflowRun = z.infer<typeof mlflowRunSchema>;

export const modelVersionSchema = z.object({
  name: z.string(),
  version: z.string(),
  run_id: z.string().optional(),
  source: z.string().optional(),
  tags,
  aliases: z.array(z.string()).optional().default([]),
});
export type MlflowModelVersion = z.infer<typeof modelVersionSchema>;

const registeredModelSchema = z.object({
  name: z.string(),
  tags,
  aliases: z.array(z.object({ alias: z.string(), version: z.string() })).optional().default([]),
});

const errorBody = z.object({ error_code: z.string().optional(), message: z.string().optional() });

export interface MlflowClientOptions {
  /** The tracking server, e.g. http://127.0.0.1:5000 (MLFLOW_TRACKING_URI). */
  trackingUri: string;
  /** Per-request bound (default 10 s): a hung server is a failed call, retried by the next mirror pass. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A small typed client for the MLflow REST API. */
export function createMlflowClient(options: MlflowClientOptions) {
  const base = options.trackingUri.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call<T extends z.ZodType>(method: 'GET' | 'POST' | 'PATCH', route: string, body: Record<string, unknown> | undefined, schema: T): Promise<z.infer<T>> {
    const url = new URL(`${base}/api/2.0/mlflow/${route}`);
    if (method === 'GET' && body) for (const [k, v] of Object.entries(body)) if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await doFetch(url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new MlflowError(route, res.status, 'BAD_RESPONSE', `not JSON: ${text.slice(0, 120)}`);
    }
    if (!res.ok) {
      const err = errorBody.safeParse(json);
      throw new MlflowError(route, res.status, err.data?.error_code ?? 'HTTP_ERROR', err.data?.message ?? text.slice(0, 200));
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new MlflowError(route, res.status, 'BAD_RESPONSE', `unexpected response shape: ${firstIssue(parsed.error, json).path}`);
    return parsed.data;
  }
  const missing = (err: unknown) => err instanceof MlflowError && (err.code === 'RESOURCE_DOES_NOT_EXIST' || err.status === 404);
  const orUndefined = <T>(p: Promise<T>) => p.catch((err: unknown) => (missing(err) ? undefined : Promise.reject(err)));
  const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));

  return {
    trackingUri: base,
    /** The experiment's id, creating it the first time. */
    async experimentId(name: string): Promise<string> {
      const found = await orUndefined(call('GET', 'experiments/get-by-name', { experiment_name: name }, z.object({ experiment: z.object({ experiment_id: z.string() }) })));
      if (found) return found.experiment.experiment_id;
      try {
        return (await call('POST', 'experiments/create', { name }, z.object({ experiment_id: z.string() }))).experiment_id;
      } catch (err) {
        // Created meanwhile by another mirror: read it back.
        if (err instanceof MlflowError && err.code === 'RESOURCE_ALREADY_EXISTS') return this.experimentId(name);
        throw err;
      }
    },
    /** Runs of an experiment carrying `tag` = `value`. */
    async findRuns(experimentId: string, tagKey: string, value: string): Promise<MlflowRun[]> {
      const res = await call('POST', 'runs/search', { experiment_ids: [experimentId], filter: `tags.\`${tagKey}\` = '${value.replace(/'/g, "\\'")}'`, max_results: 10 }, z.object({ runs: z.array(mlflowRunSchema).optional().default([]) }));
      return res.runs;
    },
    async getRun(runId: string): Promise<MlflowRun> {
      return (await call('GET', 'runs/get', { run_id: runId }, z.object({ run: mlflowRunSchema }))).run;
    },
    async createRun(experimentId: string, runName: string, startTime: number, runTags: Record<string, string>): Promise<MlflowRun> {
      return (await call('POST', 'runs/create', { experiment_id: experimentId, run_name: runName, start_time: startTime, tags: kv(runTags) }, z.object({ run: mlflowRunSchema }))).run;
    },
    async logBatch(runId: string, batch: { metrics?: { key: string; value: number; timestamp: number; step?: number }[]; params?: Record<string, string>; tags?: Record<string, string> }): Promise<void> {
      await call('POST', 'runs/log-batch', { run_id: runId, metrics: batch.metrics ?? [], params: kv(batch.params ?? {}), tags: kv(batch.tags ?? {}) }, z.object({}));
    },
    async updateRun(runId: string, status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED', endTime?: number): Promise<void> {
      await call('POST', 'runs/update', { run_id: runId, status, end_time: endTime }, z.object({}));
    },
    /** Uploads one artifact file through the server's mlflow-artifacts proxy (`mlflow server --serve-artifacts`). */
    async uploadArtifact(run: MlflowRun, path: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
      const root = run.info.artifact_uri ?? '';
      const m = /^mlflow-artifacts:\/(.*)$/.exec(root);
      if (!m) throw new MlflowError('mlflow-artifacts', 0, 'UNSUPPORTED_ARTIFACT_ROOT', `run ${run.info.run_id} stores artifacts at ${root}; start the server with --serve-artifacts`);
      const url = `${base}/api/2.0/mlflow-artifacts/artifacts/${m[1]!.replace(/^\/+/, '')}/${path}`;
      const res = await doFetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : Buffer.from(body), signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new MlflowError('mlflow-artifacts', res.status, 'HTTP_ERROR', (await res.text()).slice(0, 200));
    },
    async registeredModel(name: string) {
      const got = await orUndefined(call('GET', 'registered-models/get', { name }, z.object({ registered_model: registeredModelSchema })));
      return got?.registered_model;
    },
    async createRegisteredModel(name: string, modelTags: Record<string, string>, description?: string): Promise<void> {
      try {
        await call('POST', 'registered-models/create', { name, tags: kv(modelTags), description }, z.object({}));
      } catch (err) {
        if (!(err instanceof MlflowError && err.code === 'RESOURCE_ALREADY_EXISTS')) throw err;
      }
    },
    async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
      await call('POST', 'registered-models/set-tag', { name, key, value }, z.object({}));
    },
    /** Every version of a registered model (with tags; MLflow's search returns no aliases, mlflow#16734). */
    async modelVersions(name: string): Promise<MlflowModelVersion[]> {
      const res = await call('GET', 'model-versions/search', { filter: `name='${name.replace(/'/g, "\\'")}'`, max_results: 1000 }, z.object({ model_versions: z.array(modelVersionSchema).optional().default([]) }));
      return res.model_versions;
    },
    async createModelVersion(name: string, source: string, runId: string | undefined, versionTags: Record<string, string>, description?: string): Promise<MlflowModelVersion> {
      return (await call('POST', 'model-versions/create', { name, source, run_id: runId, tags: kv(versionTags), description }, z.object({ model_version: modelVersionSchema }))).model_version;
    },
    async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
      await call('POST', 'model-versions/set-tag', { name, version, key, value }, z.object({}));
    },
    async setAlias(name: string, alias: string, version: string): Promise<void> {
      await call('POST', 'registered-models/alias', { name, alias, version }, z.object({}));
    },
  };
}

export type MlflowClient = ReturnType<typeof createMlflowClient>;
