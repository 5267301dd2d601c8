import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  type ChildWorkflowOptions,
  defineQuery,
  executeChild,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { legacyGate, MAX_BAKE_EXTENSIONS, planRollout, rollbackRoutes } from '../src/core/rollout.js';
import type { DeploySpec } from '../src/core/spec.js';
import { promotionWorkflowId } from '../src/core/ids.js';
import { Failure } from '../src/core/failures.js';
import { decidePromotionPatches } from './patches.js';
import { quick } from './presets.js';

export interface PromotionInput {
  model: string;
  /** The version to serve; for a rollback without one, the version the alias pointed to before. */
  version?: number;
  env: string;
  target: DeploySpec['target'];
  strategy: DeploySpec['strategy'];
  kind: 'deploy' | 'rollback';
  actor: string;
  reason: string;
  /** The pipeline run that asked for it, if any. */
  requestedBy?: string;
}

export interface PromotionResult {
  model: string;
  env: string;
  version: number;
  from?: number;
  state: 'live' | 'rolled-back';
  reason?: string;
}

export interface PromotionStatus {
  model: string;
  env: string;
  version?: number;
  stable?: number;
  step: number;
  steps: number;
  percent: number;
  state: 'starting' | 'rolling-out' | 'baking' | 'live' | 'rolling-back' | 'rolled-back' | 'failed';
}

export const promotionStatusQuery = defineQuery<PromotionStatus>('promotionStatus');


const act = proxyActivities<Activities>(quick);

/**
 * Runs a promotion as a child of the calling workflow. Its workflow id serialises promotions of one model and
 * environment: while another one runs, this waits and tries again.
 */
export async function runPromotion(input: PromotionInput, options: Pick<ChildWorkflowOptions, 'parentClosePolicy' | 'staticSummary'>): Promise<PromotionResult> {
  for (;;) {
    try {
      return await executeChild(promotion, { workflowId: promotionWorkflowId(input.model, input.env), args: [input], ...options });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await sleep('5s');
    }
  }
}

/** A failed rollout is an incident, and someone is told: the alert names the incident. */
async function raiseRolloutFailure(input: PromotionInput, f: { version: number; stable: number; why: string; key: string }): Promise<void> {
  const { model, env } = input;
  const summary = `${input.strategy.kind} of ${model} v${f.version} in ${env} failed and was rolled back to v${f.stable}: ${f.why}`;
  const incident = await act.recordIncident({ model, env, kind: 'rollout', summary, idempotencyKey: `${f.key}:rollout-failed`, details: { version: f.version, stable: f.stable, strategy: input.strategy.kind } });
  await act.sendAlert({ model, env, severity: 'critical', title: `${model} in ${env}: rollout of v${f.version} failed`, text: `${summary}. Incident #${incident.id}.`, incidentId: incident.id, details: { version: f.version, stable: f.stable } });
}

function failureType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined;
}

/**
 * Moves traffic for a model in one environment to a version through its deployment target: all at once, canary
 * (traffic steps, bake, health gate from the prediction log) or blue/green. A failed gate, an error or a cancellation
 * returns all traffic to the stable version in a non-cancellable compensation; success moves the environment's alias.
 */
export async function promotion(input: PromotionInput): Promise<PromotionResult> {
  const patches = decidePromotionPatches();
  const { workflowId, runId } = workflowInfo();
  const { model, env } = input;
  const current = await act.resolveVersion({ model, ref: env }).catch((err: unknown) => {
    if (failureType(err) === Failure.VersionNotFound) return undefined;
    throw err;
  });
  const stable = current?.version;
  let version = input.version;
  if (version === undefined) {
    const previous = await act.previousVersion({ model, alias: env });
    if (!previous) throw ApplicationFailure.nonRetryable(`${model} in ${env} has no earlier version to roll back to`, Failure.NothingToRollBack);
    version = previous.version;
  }
  const target = version;
  const steps = planRollout(input.kind === 'rollback' ? { kind: 'all-at-once' } : input.strategy, { version: target, stable });
  const status: PromotionStatus = { model, env, version: target, stable, step: 0, steps: steps.length, percent: 0, state: 'starting' };
  setHandler(promotionStatusQuery, () => status);
  const key = `${workflowId}:${runId}:deploy`;
  const apply = (routes: { version: number; percent: number }[], reason: string) =>
    act.applyRoutes({ model, env, target: input.target, routes, version: target, idempotencyKey: key, strategy: input.strategy.kind, workflowId, actor: input.actor, reason });

  let touched = false;
  try {
    for (const [i, step] of steps.entries()) {
      status.step = i + 1;
      status.percent = step.percent;
      status.state = 'rolling-out';
      setCurrentDetails(`${input.kind} **${model} v${target}** to ${env}: step ${i + 1}/${steps.length}, ${step.percent}% of traffic`);
      const since = new Date(Date.now()).toISOString();
      touched = true;
      await apply(step.routes, `${input.kind === 'rollback' ? 'rollback' : input.strategy.kind} step ${i + 1}/${steps.length}: ${step.percent}% to v${target}; ${input.reason}`);
      if (step.bakeMs > 0) {
        status.state = 'baking';
        await sleep(step.bakeMs);
      }
      if (step.gate) {
        const gate = patches.rolloutSafety ? step.gate : legacyGate(step.gate);
        let health = await act.checkCanaryHealth({ model, env, version: target, since, ...gate });
        for (let extension = 1; patches.bakeEvidence && !health.healthy && health.insufficient && extension <= MAX_BAKE_EXTENSIONS; extension++) {
          setCurrentDetails(`${input.kind} **${model} v${target}** to ${env}: step ${i + 1}/${steps.length} baking again (${extension}/${MAX_BAKE_EXTENSIONS}), ${health.requests} requests so far`);
          await sleep(step.bakeMs);
          health = await act.checkCanaryHealth({ model, env, version: target, since, ...gate, idempotencyKey: `${key}:canary-health:${i + 1}:extension-${extension}` });
        }
        if (!health.healthy) throw ApplicationFailure.nonRetryable(`canary of ${model} v${target} in ${env} unhealthy at ${step.percent}%: ${health.reason}`, Failure.CanaryUnhealthy, health);
      }
    }
    await act.moveAlias({ model, alias: env, toVersion: target, actor: input.actor, reason: input.reason, workflowId, action: input.kind === 'rollback' ? 'rollback' : 'alias.moved' });
    if (input.kind === 'rollback' && stable !== undefined && stable !== target) {
      // The version left behind is unfit: a second rollback must not return to it (see previousApprovedVersion).
      await act.setModelVersionStatus({ model, version: stable, status: 'rolled-back', actor: input.actor, reason: input.reason, workflowId });
    }
    status.state = 'live';
    setCurrentDetails(`**${model} v${target}** serves 100% of ${env}`);
    return { model, env, version: target, from: stable, state: 'live' };
  } catch (err) {
    if (touched && stable !== undefined && stable !== target) {
      status.state = 'rolling-back';
      const why = isCancellation(err) ? 'promotion cancelled' : err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      // Compensation must finish even when the promotion itself was cancelled.
      await CancellationScope.nonCancellable(() => apply(rollbackRoutes(stable), `returned all traffic to v${stable}: ${why}`));
      status.state = 'rolled-back';
      setCurrentDetails(`**rolled back** ${model} in ${env} to v${stable}: ${why}`);
      if (patches.rolloutSafety && !isCancellation(err)) await CancellationScope.nonCancellable(() => raiseRolloutFailure(input, { version: target, stable, why, key }));
      if (failureType(err) === undefined && err instanceof ApplicationFailure && err.type === Failure.CanaryUnhealthy) {
        return { model, env, version: target, from: stable, state: 'rolled-back', reason: why };
      }
    }
    status.state = 'failed';
    throw err;
  }
}
