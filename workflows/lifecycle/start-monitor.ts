import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, getExternalWorkflowHandle, startChild } from '@temporalio/workflow';
import { monitorWorkflowId } from '../../src/core/ids.js';
import { monitorFollowSignal, type monitor, type MonitorFollow } from '../monitor.js';
import { stage, type RunContext } from './context.js';

/**
 * Monitor: starts the last environment's monitor, or (patch `monitor-follows`) hands the one already watching it this
 * run's monitor settings, spec and run; it outlives this run (abandoned on close).
 */
export async function startMonitor(run: RunContext): Promise<void> {
  const { spec, model, input } = run;
  if (!spec.monitor || run.deployments.length === 0) return;
  const every = spec.monitor.every;
  const env = run.deployments[run.deployments.length - 1]!.env;
  await stage(run, 'monitor', `every ${every} in ${env}`, async () => {
    const follow: MonitorFollow = { spec: spec.monitor!, pipeline: { spec, specHash: input.specHash, taskQueue: input.taskQueue }, ...(run.patches.monitorFollows ? { run: run.workflowId } : {}) };
    try {
      await startChild<typeof monitor>('monitor', {
        workflowId: monitorWorkflowId(model, env),
        args: [{ model, env, ...follow }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `monitor ${model} in ${env}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (run.patches.monitorFollows) await getExternalWorkflowHandle(monitorWorkflowId(model, env)).signal(monitorFollowSignal, follow);
    }
  });
}
