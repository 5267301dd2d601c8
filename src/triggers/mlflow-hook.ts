import type { IncomingHttpHeaders } from 'node:http';
import { WorkflowNotFoundError } from '@temporalio/client';
import { mlflowWorkflowId } from '../core/ids.js';
import { firstIssue } from '../dsl/issues.js';
import { listensTo, MLFLOW_HEADERS, mlflowDeliveryIdSchema, mlflowDeliveryRefusal, mlflowParams, readMlflowEvent } from './mlflow-event.js';
import { findPipelines } from './push-pipelines.js';
import { startTriggeredRuns, type PushRunsDeps } from './push-runs.js';
import { HttpError } from './http-error.js';

/** Where an MLflow registry webhook posts (`ferry webhook` serves it beside the push hook). */
export const MLFLOW_WEBHOOK_PATH = '/hooks/mlflow';

/**
 * One MLflow registry delivery: signature and timestamp first (bad, missing, stale or future → 401, nothing started),
 * then the pipelines whose `on.mlflow` listen to the event start, with `mlflow_*` params where they declare them and
 * workflow ids derived from the delivery id. A delivery that was already received is refused as a replay (401).
 */
export async function handleMlflowDelivery(deps: PushRunsDeps, secret: string, headers: IncomingHttpHeaders, raw: Buffer, log: (line: string) => void) {
  const refusal = mlflowDeliveryRefusal(raw, secret, headers);
  if (refusal) throw new HttpError(401, refusal);
  const delivery = mlflowDeliveryIdSchema.safeParse(headers[MLFLOW_HEADERS.delivery]);
  if (!delivery.success) throw new HttpError(400, `X-MLflow-Delivery-Id: ${firstIssue(delivery.error, headers[MLFLOW_HEADERS.delivery]).message}`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body: expected the JSON MLflow posts ({"entity", "action", "data"})');
  }
  const { event, ignored, error } = readMlflowEvent(body);
  if (error) throw new HttpError(400, `body: ${firstIssue(error, body).message}`);
  if (!event) return { status: 202, body: { delivery: delivery.data, ignored: `event ${ignored}: only model_version.created and model_version_alias.created start runs`, started: [] } };
  const { matched, errors } = await findPipelines(deps.projectDir, (loaded) => listensTo(loaded, event));
  const ids = matched.map((p) => mlflowWorkflowId(p.spec.name, delivery.data));
  const seen = await Promise.all(ids.map((id) => deps.client.workflow.getHandle(id).describe().then(() => true, (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)))));
  if (ids.length > 0 && seen.every(Boolean)) throw new HttpError(401, `delivery ${delivery.data} was already received: refused as a replay`);
  const outcome = await startTriggeredRuns(deps, matched, errors, {
    trigger: 'mlflow',
    triggeredBy: 'mlflow',
    workflowIdOf: (pipeline) => mlflowWorkflowId(pipeline, delivery.data),
    params: mlflowParams(event),
  });
  log(`mlflow ${event.kind} ${event.data.name} v${event.data.version} (delivery ${delivery.data}): started ${outcome.started.length}, refused ${outcome.refused.length}`);
  return { status: 202, body: { delivery: delivery.data, event: event.kind, model: event.data.name, version: event.data.version, ...outcome } };
}
