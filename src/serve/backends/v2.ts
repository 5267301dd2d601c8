import { z } from 'zod';
import type { BackendSpec } from '../backend-spec.js';
import { inferenceResponseSchema, recordsFromOutputs, tensorsFromRecords, TensorShapeError } from '../v2.js';
import { BackendError, type Backend, type TensorMetadata } from './backend.js';

type V2Spec = Extract<BackendSpec, { kind: 'v2' }>;

const metadataSchema = z.object({
  platform: z.string().nullish(),
  inputs: z.array(z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number()) })).nullish(),
  outputs: z.array(z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number()) })).nullish(),
});

/** Longest one inference call may take before the gateway answers 502. */
const INFER_TIMEOUT_MS = 30_000;

/** `<url>/v2/models/<name>[/versions/<version>]`. */
export function v2ModelUrl(spec: V2Spec): string {
  const base = spec.url.replace(/\/+$/, '');
  return `${base}/v2/models/${encodeURIComponent(spec.name)}${spec.version ? `/versions/${encodeURIComponent(spec.version)}` : ''}`;
}

async function call(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(INFER_TIMEOUT_MS) });
  } catch (err) {
    throw new BackendError(502, `${what}: ${url} cannot be reached (${(err as Error).message})`, { cause: err });
  }
}

/**
 * A V2 inference request of `records` as columns (MLServer's pandas codec for scalar columns). A model that declares
 * its inputs gets exactly those fields, in its order; a missing one is the caller's 400.
 */
export function inferenceRequestBody(records: Record<string, unknown>[], declared: string[]): string {
  try {
    const inputs = tensorsFromRecords(records, declared.length ? declared : Object.keys(records[0] ?? {}));
    const scalar = inputs.every((t) => t.shape.length === 1);
    return JSON.stringify({ ...(scalar ? { parameters: { content_type: 'pd' } } : {}), inputs });
  } catch (err) {
    if (err instanceof TensorShapeError) throw new BackendError(400, err.message);
    throw err;
  }
}

/** One output per record from a V2 inference response body; anything else is the backend failing (502). */
export function inferenceAnswer(text: string, count: number, who: string): unknown[] {
  try {
    return recordsFromOutputs(inferenceResponseSchema.parse(JSON.parse(text)).outputs, count);
  } catch (err) {
    throw new BackendError(502, `${who} answered a body that is not a V2 inference response: ${(err as Error).message.slice(0, 300)}`);
  }
}

/**
 * A version served by an Open Inference Protocol (V2) server. Loading checks that the server reports the model ready
 * (so a route set goes live only once its backends are) and reads its metadata; each prediction is one
 * `POST …/infer` of the records as columns (MLServer's pandas codec), and each output tensor becomes a field of
 * every record's output.
 */
export async function createV2Backend(spec: V2Spec): Promise<Backend> {
  const model = v2ModelUrl(spec);
  const who = `${spec.server ?? 'V2 server'} model ${spec.name}${spec.version ? ` v${spec.version}` : ''}`;
  const ready = await call(`${model}/ready`, {}, who);
  if (ready.status !== 200) throw new BackendError(502, `${who} is not ready at ${spec.url} (GET …/ready answered ${ready.status}); load it first`);
  const meta = await call(model, {}, who);
  const parsed = meta.ok ? metadataSchema.safeParse(await meta.json().catch(() => undefined)) : undefined;
  const metadata = {
    platform: parsed?.data?.platform || spec.server || 'v2',
    inputs: (parsed?.data?.inputs ?? []) as TensorMetadata[],
    outputs: (parsed?.data?.outputs ?? []) as TensorMetadata[],
  };
  const declared = metadata.inputs.map((i) => i.name);

  return {
    spec,
    metadata,
    async predict(records) {
      const body = inferenceRequestBody(records, declared);
      const res = await call(`${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, who);
      const text = await res.text();
      if (!res.ok) {
        let detail = text.slice(0, 300);
        try {
          detail = String((JSON.parse(text) as { error?: unknown; detail?: unknown }).error ?? (JSON.parse(text) as { detail?: unknown }).detail ?? detail);
        } catch {
          // not JSON: keep the text
        }
        // A 4xx is the server refusing these inputs; anything else is the backend failing.
        throw new BackendError(res.status >= 400 && res.status < 500 ? 400 : 502, `${who} answered ${res.status}: ${detail.slice(0, 300)}`);
      }
      return inferenceAnswer(text, records.length, who);
    },
  };
}
