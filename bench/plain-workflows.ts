// The baseline for `npm run bench:engine`: hand-written Temporal workflows that call the same activities Ferry's
// interpreter calls for a pipeline of no-op function steps — without integrate, bookkeeping, search attributes or gates.
// Bundled separately from workflows/ (bundleWorkflowCode), so this file must stay deterministic too.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { RunStepInput } from '../activities/steps.js';

/** The same options Ferry derives for a function step with default timeout and retries (workflows/presets.ts). */
const { runStep } = proxyActivities<Activities>({ startToCloseTimeout: '10m', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 4 } });
const { benchNoop } = proxyActivities<{ benchNoop(): Promise<void> }>({ startToCloseTimeout: '1m' });

/** Runs each step through Ferry's `runStep` activity, one after another, as the interpreter's build stage does. */
export async function plainSteps(input: { steps: Omit<RunStepInput, 'workflowId'>[] }): Promise<void> {
  const { workflowId } = workflowInfo();
  const previous: RunStepInput['previous'] = {};
  for (const step of input.steps) previous[step.step.id] = await runStep({ ...step, workflowId, previous });
}

/** The floor: `count` calls of an activity that does nothing. */
export async function plainNoop(input: { count: number }): Promise<void> {
  for (let i = 0; i < input.count; i++) await benchNoop();
}
