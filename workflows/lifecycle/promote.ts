import { ApplicationFailure, ParentClosePolicy, upsertSearchAttributes } from '@temporalio/workflow';
import { searchAttributes } from '../../src/core/search-attributes.js';
import type { ApprovalSpec, DeploySpec } from '../../src/core/spec.js';
import { waitingStatusAtApproval } from '../patches.js';
import { runPromotion, type PromotionResult } from '../promotion.js';
import { act, books, finish, setState, stage, type RunContext } from './context.js';
import { Failure } from '../../src/core/failures.js';

/**
 * Promote to one environment: its approval (if any), the promotion policies, then the rollout as a child workflow.
 * `rejected` when the approvers refused (the run has ended); a rolled-back rollout fails the run.
 */
export async function promoteTo(run: RunContext, target: DeploySpec, version: number): Promise<'live' | 'rejected'> {
  const { model, workflowId, spec, input } = run;
  if (target.approval) {
    const outcome = await approve(run, target.env, target.approval, version);
    if (outcome === 'rejected') {
      await act.setModelVersionStatus({ model, version, status: 'rejected', actor: 'ferry', reason: `not approved for ${target.env}`, workflowId });
      await finish(run, 'rejected', `${model} v${version} was not approved for ${target.env}`);
      return 'rejected';
    }
    await act.setModelVersionStatus({ model, version, status: 'approved', actor: 'ferry', reason: `approved for ${target.env}`, workflowId });
  }
  await act.checkPromotionPolicies({
    workflowId,
    spec,
    env: target.env,
    author: spec.owner ?? input.triggeredBy,
    approvals: run.approvals.decided(target.env).map((d) => ({ approver: d.approver, decision: d.decision, groups: d.groups })),
  });
  const result = await stage(run, `deploy:${target.env}`, `${target.strategy.kind} via ${target.target}`, () => deploy(model, version, target, input.triggeredBy ?? 'ferry', workflowId));
  run.deployments.push(result);
  if (result.state !== 'live') throw ApplicationFailure.nonRetryable(`deploy to ${target.env} rolled back: ${result.reason}`, Failure.RolledBack, result);
  return 'live';
}

/** Waits for the environment's approvals; the run shows `waiting` meanwhile, in the UI and in Postgres. */
function approve(run: RunContext, env: string, rule: ApprovalSpec, version: number) {
  const { model, workflowId } = run;
  return stage(run, `approve:${env}`, `${rule.required} approval(s)${rule.groups.length ? ` from ${rule.groups.join(' or ')}` : ''}; expires in ${rule.expiresIn}`, async (entry) => {
    setState(run, 'waiting');
    entry.state = 'waiting';
    upsertSearchAttributes([{ key: searchAttributes.environment, value: env }]);
    // `ferry status` reads Postgres: say there that the run waits (runs recorded before this replay without it).
    const waitingStatus = await waitingStatusAtApproval(run.patches);
    if (waitingStatus) await books(run).recordRunProgress({ workflowId, stage: entry.name, status: 'waiting', commit: run.status.commit });
    const result = await run.approvals.wait(env, rule, (kind, to) =>
      act.notifyApprovers({ workflowId, env, kind, model, version, to, text: `${model} v${version} needs ${rule.required} approval(s) for ${env} (${kind})` }),
    );
    setState(run, 'running');
    if (waitingStatus) await books(run).recordRunProgress({ workflowId, stage: entry.name, status: 'running', commit: run.status.commit });
    return result;
  });
}

/** Runs the model's promotion for one environment (cancelled with the run). */
function deploy(model: string, version: number, target: DeploySpec, actor: string, requestedBy: string): Promise<PromotionResult> {
  return runPromotion(
    { model, version, env: target.env, target: target.target, strategy: target.strategy, kind: 'deploy', actor, reason: `run ${requestedBy}`, requestedBy },
    { parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL, staticSummary: `deploy ${model} v${version} to ${target.env}` },
  );
}
