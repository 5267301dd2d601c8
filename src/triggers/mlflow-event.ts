import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { LoadedPipeline } from '../dsl/load.js';

/** MLflow's webhook headers (mlflow/webhooks/constants.py). */
export const MLFLOW_HEADERS = { signature: 'x-mlflow-signature', delivery: 'x-mlflow-delivery-id', timestamp: 'x-mlflow-timestamp' } as const;
/** A delivery signed further than this from now, either way, is refused as a replay (or a wrong clock). */
export const MLFLOW_MAX_SKEW_SECONDS = 300;

/**
 * Checks an MLflow webhook delivery: `X-MLflow-Signature: v1,<base64 HMAC-SHA256(secret, "{delivery_id}.{timestamp}.{body}")>`
 * over the raw body, and a timestamp within {@link MLFLOW_MAX_SKEW_SECONDS} of `now`. Returns why it is refused, or
 * undefined when it holds.
 */
export function mlflowDeliveryRefusal(raw: Buffer, secret: string, headers: Record<string, string | string[] | undefined>, nowSeconds = Date.now() / 1000): string | undefined {
  const one = (h: string) => (Array.isArray(headers[h]) ? headers[h][0] : headers[h]);
  const signature = one(MLFLOW_HEADERS.signature);
  const delivery = one(MLFLOW_HEADERS.delivery);
  const timestamp = one(MLFLOW_HEADERS.timestamp);
  if (!signature || !delivery || !timestamp) return 'X-MLflow-Signature, X-MLflow-Delivery-Id and X-MLflow-Timestamp are required; create the MLflow webhook with the secret FERRY_MLFLOW_WEBHOOK_SECRET';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MLFLOW_MAX_SKEW_SECONDS) {
    return `X-MLflow-Timestamp ${timestamp} is more than ${MLFLOW_MAX_SKEW_SECONDS} s from now: refused as a replay`;
  }
  const expected = Buffer.from(`v1,${createHmac('sha256', secret).update(`${delivery}.${timestamp}.`).update(raw).digest('base64')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'X-MLflow-Signature: wrong; sign with the webhook secret (FERRY_MLFLOW_WEBHOOK_SECRET)';
  return undefined;
}

export const mlflowDeliveryIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'expected the delivery id MLflow sends (a UUID)');

/** The registry events Ferry acts on, as MLflow 3 posts them (`{entity, action, timestamp, data}`). */
export const mlflowEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('model_version.created'), data: z.object({ name: z.string().min(1), version: z.string().min(1), source: z.string().optional(), run_id: z.string().nullish() }) }),
  z.object({ kind: z.literal('model_version_alias.created'), data: z.object({ name: z.string().min(1), alias: z.string().min(1), version: z.string().min(1) }) }),
]);
export type MlflowEvent = z.infer<typeof mlflowEventSchema>;

/** `{entity, action, data}` → the event Ferry knows, or the `entity.action` it ignores. */
export function readMlflowEvent(body: unknown): { event?: MlflowEvent; ignored?: string; error?: z.ZodError } {
  const envelope = z.object({ entity: z.string(), action: z.string(), data: z.unknown() }).safeParse(body);
  if (!envelope.success) return { error: envelope.error };
  const kind = `${envelope.data.entity}.${envelope.data.action}`;
  if (kind !== 'model_version.created' && kind !== 'model_version_alias.created') return { ignored: kind };
  const parsed = mlflowEventSchema.safeParse({ kind, data: envelope.data.data });
  return parsed.success ? { event: parsed.data } : { error: parsed.error };
}

/** Whether a pipeline's `on.mlflow` listens to this event. */
export function listensTo(loaded: LoadedPipeline, event: MlflowEvent): boolean {
  const on = loaded.spec.on.mlflow;
  if (!on || on.model !== event.data.name || !on.events.includes(event.kind)) return false;
  return event.kind !== 'model_version_alias.created' || on.alias === undefined || on.alias === event.data.alias;
}

/** Params a triggered run gets, where its pipeline declares them. */
export function mlflowParams(event: MlflowEvent): Record<string, string> {
  return {
    mlflow_model: event.data.name,
    mlflow_version: event.data.version,
    ...(event.kind === 'model_version.created' && event.data.source ? { mlflow_source: event.data.source } : {}),
    ...(event.kind === 'model_version_alias.created' ? { mlflow_alias: event.data.alias } : {}),
  };
}
