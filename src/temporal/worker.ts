import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { lookupRunPipeline } from '../observability/lookup.js';
import { createActivityObserver } from '../observability/activity-metrics.js';
import { ferryActivityInterceptors } from '../observability/activity-interceptor.js';
import { failureInterceptors } from './failure-interceptor.js';
import { startTracing, tracingWorkerOptions } from '../observability/tracing.js';
import { log } from '../log.js';
import { temporalConnection } from './tls.js';

/** Path of the workflow code workers bundle (`workflows/index.ts`). */
export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/** Ferry's own package root (a checkout, or `node_modules/ferry` in a project that installed it). */
const ferryRoot = dirname(dirname(workflowsPath));

/**
 * The Temporal bundler compiles `.ts` with swc but skips everything under node_modules, which is where Ferry's
 * workflow sources are once a project installs it: compile Ferry's own files there too (nothing else).
 *
 * `preloadModules`: zod is evaluated once per workflow thread and shared (frozen) by every workflow context
 * (`workflows/preload.ts`), instead of once per cached workflow: ~1.3 MiB -> ~0.1 MiB of heap per workflow context
 * together with the spec's lazily evaluated schemas (`npm run bench:contexts`). It is a Ferry module that uses zod,
 * because zod declares `sideEffects: false` and webpack drops a bare `require('zod')` whose result is unused. Only a
 * library without per-workflow state may be shared; Ferry's own schema modules may not: zod memoizes lazily on schema
 * instances, which freezing would break.
 */
export const workflowBundlerOptions: NonNullable<WorkerOptions['bundlerOptions']> = {
  preloadModules: [fileURLToPath(new URL('../../workflows/preload.ts', import.meta.url))],
  webpackConfigHook: (config) => {
    for (const rule of config.module?.rules ?? []) {
      if (rule && typeof rule === 'object' && rule.test instanceof RegExp && rule.test.source === '\\.ts$') {
        rule.exclude = (path: string) => path.includes(`${sep}node_modules${sep}`) && !path.startsWith(`${ferryRoot}${sep}`) ;
      }
    }
    return config;
  },
};

export interface FerryWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Run workflows too (default). A `gpu` worker may run activities only. */
  workflows?: boolean;
}

/**
 * Creates a worker that runs Ferry's workflows and activities on one task queue. Activities are wrapped for metrics
 * and log fields; with `OTEL_EXPORTER_OTLP_ENDPOINT` set, workflows and activities are traced too.
 */
export async function createFerryWorker(options: FerryWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(temporalConnection(options.address));
  const runWorkflows = options.workflows ?? true;
  const tracing = startTracing('ferry-worker');
  const traced = tracing ? tracingWorkerOptions(tracing) : undefined;
  if (traced && runWorkflows && options.workflowBundle) {
    log.warn('tracing: a prebuilt workflow bundle has no workflow spans unless it was bundled with workflowInterceptorModules: [workflowInterceptorsPath]');
  }
  const observer = createActivityObserver({ lookupPipeline: (id) => lookupRunPipeline(options.deps.db, id) });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      activities: createActivities(options.deps),
      ...(runWorkflows ? (options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath, bundlerOptions: workflowBundlerOptions }) : {}),
      // Tracing outermost, so the metrics and log interceptor runs inside the activity's span; typed failures become
      // ApplicationFailures innermost, so every interceptor sees what the workflow will.
      interceptors: {
        activity: [...(traced?.activity ?? []), ferryActivityInterceptors(observer), failureInterceptors],
        ...(traced && runWorkflows && !options.workflowBundle ? { workflowModules: traced.workflowModules } : {}),
      },
      ...(traced ? { sinks: traced.sinks } : {}),
      // Finish in-flight activities on shutdown rather than abandoning them to their timeouts.
      shutdownGraceTime: '10s',
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  return { worker, connection };
}
