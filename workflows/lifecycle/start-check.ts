import { ApplicationFailure, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { runStarted, type RunContext } from './context.js';
import { Failure } from '../../src/core/failures.js';

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 5 } });

/**
 * Refuses (non-retryable `RunStartRefused`) a run whose start is not signed by a key entitled to it, or whose inputs
 * differ from what was signed, or that the submission policies refuse now — before any step runs. The check is a
 * local activity (Postgres holds the public keys; the clock is real); the refusal is audited there.
 */
export async function checkRunStart(run: RunContext): Promise<void> {
  const { input } = run;
  const info = workflowInfo();
  const facts = {
    workflowId: info.workflowId,
    startedAt: info.runStartTime.getTime(),
    ...(info.parent ? { parentWorkflowId: info.parent.workflowId } : {}),
    spec: input.spec,
    specHash: input.specHash,
    trigger: input.trigger,
    triggeredBy: input.triggeredBy,
    ref: input.ref,
    taskQueue: input.taskQueue,
    attestation: input.attestation,
  };
  // A compact run records its start here (`decideCompactHistory`); older runs recorded it in `openRun`.
  const verdict = run.patches.compactHistory ? await local.recordAndVerifyRunStart({ started: runStarted(run), facts }) : await local.verifyRunStart(facts);
  if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, Failure.RunStartRefused);
}
