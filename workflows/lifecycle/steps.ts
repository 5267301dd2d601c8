import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { StepOutput } from '../../activities/steps.js';
import type { StepSpec } from '../../src/core/spec.js';
import { DEFAULT_QUEUE_TIMEOUT, stepOptions } from '../presets.js';
import { books, checkedOut, type Progress, type RunContext } from './context.js';
import { Failure } from '../../src/core/failures.js';

/**
 * Runs one step of a stage on its task queue; nobody polling that queue within `queueTimeout` fails the run with the fix.
 * `progress`: the stage's Postgres record, handed to the step (`stage`'s `handOver`).
 */
export async function runStep(run: RunContext, stageName: string, step: StepSpec, progress?: Progress): Promise<StepOutput> {
  const integration = checkedOut(run);
  const { spec, workflowId } = run;
  const options = stepOptions(step, run.input.taskQueue, run.patches.stepLiveness);
  try {
    return await proxyActivities<Activities>(options).runStep.executeWithOptions(
      { ...options, summary: step.kind === 'command' ? `${step.id}: ${step.run}` : `${step.id}: ${step.fn}` },
      [{ workflowId, stage: stageName, step, repo: integration.repo, commit: integration.commit, datasets: integration.datasets, pipelineParams: spec.params, seed: spec.seed, previous: run.outputs, ...(progress ? { progress } : {}) }],
    );
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START') {
      throw ApplicationFailure.nonRetryable(
        `step "${step.id}": no worker picked it up from task queue "${step.taskQueue}" within ${step.queueTimeout ?? DEFAULT_QUEUE_TIMEOUT}; start one with 'npx ferry worker --task-queue ${step.taskQueue}' (or fix the step's taskQueue)`,
        Failure.NoWorkerForQueue,
      );
    }
    throw err;
  }
}

/** Tracks the run's metrics so far as an experiment (params, seed, metrics, environment, commit). */
export async function recordExperiment(run: RunContext): Promise<void> {
  const integration = checkedOut(run);
  const { spec, workflowId, metrics } = run;
  await books(run).recordExperiment({ workflowId, pipeline: spec.name, params: spec.params, seed: spec.seed, metrics, environment: runEnvironment(integration.environment, run.outputs), commit: integration.commit });
}

/**
 * The run's environment fingerprint: the checkout's (runtimes, OS, lockfiles) and what each step ran on beyond it
 * (a command step's Python: version, venv, `pip freeze` hash), under `steps.<id>`.
 */
function runEnvironment(checkout: Record<string, unknown>, outputs: Record<string, StepOutput>): Record<string, unknown> {
  const steps = Object.fromEntries(Object.entries(outputs).flatMap(([id, out]) => (out.environment ? [[id, out.environment]] : [])));
  return Object.keys(steps).length > 0 ? { ...checkout, steps } : checkout;
}
