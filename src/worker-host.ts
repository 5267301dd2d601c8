import { ensureAuditAnchor } from './audit/anchor.js';
import { stepUserFrom } from '../activities/step-isolation.js';
import { Client, Connection } from '@temporalio/client';
import { log } from './log.js';
import { UsageError } from './core/errors.js';
import { startMlflowMirror } from './mlflow/loop.js';
import { startReconciler } from './runs/reconcile.js';
import { ensureReconcilers, type ReconcilePolicy } from './deploy/reconcile-start.js';
import { resolve } from 'node:path';
import { openArtifactStore } from './artifacts/open.js';
import { outsideService, tcpProbe, watchService } from './health/index.js';
import { createSlackClient, watchSlack } from './slack/client.js';
import { createSlackNotifier } from './slack/notifier.js';
import { loadConfig } from './dsl/load-config.js';
import type { Db } from './db/client.js';
import type { FerryEnv } from './settings.js';
import { createFerryWorker } from './temporal/worker.js';
import { installRuntime } from './temporal/runtime.js';
import { temporalConnection } from './temporal/tls.js';
import type { WorkerOptions } from '@temporalio/worker';

export interface HostWorkerOptions {
  env: FerryEnv;
  address: string;
  db: Db;
  taskQueue?: string;
  configFile?: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The model server the `local` deployment target drives. */
  serveUrl?: string;
}

/**
 * In production mode (`TEMPORAL_ADDRESS` set) steps must run isolated from the worker: without FERRY_STEP_USER a
 * worker refuses to start, unless FERRY_STEP_ISOLATION=none says so explicitly; that returns the warning to print at
 * start. The embedded default (`ferry dev`) runs steps as the developer's own user.
 */
export function requireStepIsolation(env: Pick<FerryEnv, 'TEMPORAL_ADDRESS' | 'FERRY_STEP_USER' | 'FERRY_STEP_ISOLATION'>): { warning?: string } {
  if (!env.TEMPORAL_ADDRESS || env.FERRY_STEP_USER) return {};
  if (env.FERRY_STEP_ISOLATION === 'none') {
    return { warning: "FERRY_STEP_ISOLATION=none: command steps run as this worker's own user and can read its environment, memory and files; set FERRY_STEP_USER in production" };
  }
  throw new UsageError(
    `FERRY_STEP_USER is not set: a worker on a shared Temporal cluster (TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS}) runs steps as another OS user; set FERRY_STEP_USER to an unprivileged user (e.g. nobody) and run the worker as root, or set FERRY_STEP_ISOLATION=none to accept unisolated steps`,
  );
}

/** Builds a worker with the project's ferry.config.ts and the local artifact store: what `dev`, `worker` and `demo` run. */
export async function hostWorker(options: HostWorkerOptions) {
  installRuntime();
  const home = resolve(options.env.FERRY_HOME);
  const config = await loadConfig(process.cwd(), options.configFile);
  const taskQueue = options.taskQueue ?? options.env.FERRY_TASK_QUEUE;
  return createFerryWorker({
    address: options.address,
    namespace: options.env.TEMPORAL_NAMESPACE,
    taskQueue,
    // Workflows run on Ferry's own queue only; a resource queue (e.g. gpu) runs activities.
    workflows: taskQueue === options.env.FERRY_TASK_QUEUE,
    workflowBundle: options.workflowBundle,
    deps: {
      db: options.db,
      store: openArtifactStore(options.env),
      config,
      home,
      cwd: process.cwd(),
      serveUrl: options.serveUrl ?? options.env.FERRY_SERVE_URL,
      stepUser: stepUserFrom(options.env.FERRY_STEP_USER),
      // Read by the sagemaker target and the Model Package mirror only when a deployment uses SageMaker.
      sagemaker: options.env,
      // Approval requests go to Slack when a bot token and a channel are configured.
      notify:
        options.env.SLACK_BOT_TOKEN && options.env.FERRY_SLACK_CHANNEL
          ? createSlackNotifier({ db: options.db, botToken: options.env.SLACK_BOT_TOKEN, channel: options.env.FERRY_SLACK_CHANNEL, apiUrl: options.env.SLACK_API_URL, uiUrl: options.env.FERRY_TEMPORAL_UI_URL, namespace: options.env.TEMPORAL_NAMESPACE })
          : undefined,
    },
  });
}

/**
 * Starts probing the outside services a worker's activities use, as the environment configures them: Slack (approval
 * requests, alerts), the alert webhook and the deploy webhook. An outage then shows in the log and in `ferry status`
 * before the first notice, alert or deploy needs it. Returns the function that stops the probes.
 */
export function watchWorkerServices(env: FerryEnv): () => void {
  const stops: (() => void)[] = [];
  if (env.SLACK_BOT_TOKEN && (env.FERRY_SLACK_CHANNEL || env.FERRY_ALERT_SLACK_CHANNEL)) {
    stops.push(watchSlack(createSlackClient({ botToken: env.SLACK_BOT_TOKEN, apiUrl: env.SLACK_API_URL })));
  }
  for (const [service, url] of [
    [outsideService.alertWebhook, env.FERRY_ALERT_WEBHOOK_URL],
    [outsideService.deployTarget('webhook'), env.FERRY_DEPLOY_WEBHOOK_URL],
  ] as const) {
    if (url && URL.canParse(url)) stops.push(watchService(service, tcpProbe(url), { probeKind: 'reachability' }));
  }
  return () => stops.forEach((stop) => stop());
}

/**
 * Keeps Postgres run rows in step with Temporal from this process: once at start-up, then every minute (runs closed
 * outside Ferry, runs wedged by a failing workflow task). Each change is logged and audited; failures only logged.
 */
export async function startRunReconciler(options: { address: string; namespace: string; db: Db; everyMs?: number; anchorTaskQueue?: string; servingReconcile?: ReconcilePolicy }): Promise<() => Promise<void>> {
  const connection = await Connection.connect(temporalConnection(options.address));
  const client = new Client({ connection, namespace: options.namespace });
  // The audit chain's head is anchored in Temporal by one workflow per namespace (src/audit/anchor.ts).
  if (options.anchorTaskQueue) await ensureAuditAnchor(client, options.anchorTaskQueue).catch((err: unknown) => log.warn({ err }, `audit anchor not started: ${(err as Error).message}`));
  // Each environment with a live deployment gets its serving reconcile loop (src/deploy/reconcile-start.ts): now, and
  // every minute for environments deployed to since.
  const serving = options.servingReconcile;
  const queue = options.anchorTaskQueue;
  const ensureServing = () =>
    serving && queue
      ? ensureReconcilers(client, options.db, queue, serving)
          .then((envs) => envs.forEach((env) => log.info({ env }, `reconcile loop of ${env} started (${serving.mode}, every ${serving.every})`)))
          .catch((err: unknown) => log.warn({ err }, `reconcile loops not started: ${(err as Error).message}`))
      : Promise.resolve();
  await ensureServing();
  const servingTimer = setInterval(() => void ensureServing(), options.everyMs ?? 60_000);
  servingTimer.unref();
  const reconciler = startReconciler(options.db, client, {
    everyMs: options.everyMs,
    onChange: (run) => log.warn({ workflowId: run.workflowId, was: run.was, now: run.now }, `run ${run.workflowId}: ${run.was} → ${run.now} (${run.reason})`),
    onError: (err) => log.warn({ err }, `run reconciliation failed: ${(err as Error).message}`),
  });
  return async () => {
    clearInterval(servingTimer);
    await reconciler.stop();
    await connection.close();
  };
}

/**
 * With MLFLOW_TRACKING_URI set, mirrors Ferry's runs, versions and aliases into that MLflow server from this process
 * (src/mlflow/loop.ts); otherwise does nothing. Returns its stop, which makes a last pass.
 */
export async function startMlflowMirrorFor(options: { env: FerryEnv; db: Db; databaseUrl?: string; temporalUiUrl?: string }): Promise<() => Promise<void>> {
  const { env } = options;
  if (!env.MLFLOW_TRACKING_URI) return async () => undefined;
  return startMlflowMirror({ db: options.db, trackingUri: env.MLFLOW_TRACKING_URI, databaseUrl: options.databaseUrl, aliasDrift: env.FERRY_MLFLOW_ALIAS_DRIFT, temporalUiUrl: options.temporalUiUrl });
}
