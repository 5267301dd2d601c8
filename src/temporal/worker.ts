import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';

/** Path of the workflow code workers bundle (`workflows/index.ts`). */
export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

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

/** Creates a worker that runs Ferry's workflows and activities on one task queue. */
export async function createFerryWorker(options: FerryWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: options.address });
  const runWorkflows = options.workflows ?? true;
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(runWorkflows ? (options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }) : {}),
    // Finish in-flight activities on shutdown rather than abandoning them to their timeouts.
    shutdownGraceTime: '10s',
  });
  return { worker, connection };
}
