import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { monitorWorkflowId } from '../../src/core/ids.js';
import type { monitor } from '../monitor.js';
import { stage, type RunContext } from './context.js';

/** Monitor: starts the last environment's monitor unless one already watches it; it outlives this run (abandoned on close). */
export async function startMonitor(run: RunContext): Promise<void> {
  const { spec, model, input } = run;
  if (!spec.monitor || run.deployments.length === 0) return;
  const every = spec.monitor.every;
  const env = run.deployments[run.deployments.length - 1]!.env;
  await stage(run, 'monitor', `every ${every} in ${env}`, async () => {
    try {
      await startChild<typeof monitor>('monitor', {
        workflowId: monitorWorkflowId(model, env),
        args: [{ model, env, spec: spec.monitor!, pipeline: { spec, specHash: input.specHash, taskQueue: input.taskQueue } }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `monitor ${model} in ${env}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  });
}
