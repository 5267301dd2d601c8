import type { Signer } from '../auth/attest.js';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { FerryError } from '../core/errors.js';
import { pushWorkflowId } from '../core/ids.js';
import type { LoadedPipeline } from '../dsl/load.js';
import { applyParams, startRun } from '../runs/start.js';
import { checkSubmission } from '../runs/submit.js';
import { findPushPipelines } from './push-pipelines.js';
import { pushedProjectDir } from './pushed-commit.js';

export interface PushRunsDeps {
  client: Client;
  db: Db;
  /** Task queue of the workers that run Ferry's workflows. */
  taskQueue: string;
  /** Project directory holding `pipelines/` and `policies/`. */
  projectDir: string;
  /** The webhook's service key: signs the runs it starts (src/runs/start-attestation.ts). */
  signer?: Signer;
}

export interface Push {
  branch: string;
  commit: string;
  delivery: string;
  pusher: string;
  repository: string;
}

export interface PushRunsOutcome {
  started: string[];
  /** Deterministic ids that already exist: a redelivered hook. */
  alreadyStarted: string[];
  /** Pipelines a policy refused (audited by `checkSubmission`). */
  refused: { pipeline: string; reason: string }[];
  /** Pipeline files that could not be loaded. */
  errors: { file: string; message: string }[];
}

async function exists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Starts every pipeline whose `on.push.branches` match the pushed branch, at the pushed commit, after the policy check.
 * Idempotent per delivery: an id that exists (running or closed) is reported as already started, never started twice.
 */
export async function startPushRuns(deps: PushRunsDeps, push: Push): Promise<PushRunsOutcome> {
  // Pipelines as of the pushed commit; policies stay those of the webhook's own directory (the platform's, not the pusher's).
  const pushed = (await pushedProjectDir(deps.projectDir, push.commit, push.branch)) ?? deps.projectDir;
  const { matched, errors } = await findPushPipelines(pushed, push.branch);
  return startTriggeredRuns(deps, matched, errors, {
    trigger: 'push',
    triggeredBy: push.pusher,
    ref: push.commit,
    workflowIdOf: (pipeline) => pushWorkflowId(pipeline, push.delivery),
  });
}

/** How a trigger (a push, an MLflow registry event) starts the pipelines it matched. */
export interface TriggeredStart {
  trigger: string;
  triggeredBy: string;
  ref?: string;
  /** Deterministic per delivery, so a redelivery starts nothing twice. */
  workflowIdOf(pipeline: string): string;
  /** `key=value` param overrides, applied to the pipelines that declare the key. */
  params?: Record<string, string>;
}

/** Starts `matched` after the policy check, idempotently per workflow id (see {@link startPushRuns}). */
export async function startTriggeredRuns(deps: PushRunsDeps, matched: LoadedPipeline[], errors: PushRunsOutcome['errors'], start: TriggeredStart): Promise<PushRunsOutcome> {
  const outcome: PushRunsOutcome = { started: [], alreadyStarted: [], refused: [], errors };
  for (const found of matched) {
    const loaded = applyParams(found, Object.entries(start.params ?? {}).filter(([k]) => k in found.spec.params).map(([k, v]) => `${k}=${v}`));
    const workflowId = start.workflowIdOf(loaded.spec.name);
    // The start below would accept a closed workflow's id again (the default reuse policy); the describe catches that.
    if (await exists(deps.client, workflowId)) {
      outcome.alreadyStarted.push(workflowId);
      continue;
    }
    try {
      await checkSubmission(deps.db, loaded, start.triggeredBy, deps.projectDir);
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      outcome.refused.push({ pipeline: loaded.spec.name, reason: err.message });
      continue;
    }
    try {
      await startRun(deps.client, loaded, { taskQueue: deps.taskQueue, trigger: start.trigger, triggeredBy: start.triggeredBy, ref: start.ref, workflowId, signer: deps.signer });
      outcome.started.push(workflowId);
    } catch (err) {
      // Two deliveries racing past the describe: Temporal's id conflict decides.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      outcome.alreadyStarted.push(workflowId);
    }
  }
  return outcome;
}
