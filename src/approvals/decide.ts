import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { appendAudit } from '../audit/index.js';
import { signDecision } from '../auth/attest.js';
import type { FerryUser } from '../auth/roles.js';
import type { Db } from '../db/client.js';
import { approvals } from '../db/schema/index.js';
import { FerryError, rootMessage, UsageError } from '../core/errors.js';
import { decideUpdate, type DecisionResult } from '../../workflows/approval.js';
import { statusQuery } from '../../workflows/pipeline.js';

export interface DecideRequest {
  workflowId: string;
  /** The environment awaiting approval; omitted → the run's only pending one. */
  env?: string;
  decision: 'approve' | 'reject';
  user: FerryUser;
  comment?: string;
  /** Which entry point: `cli`, `slack`. */
  via: string;
}

export type DecideOutcome = { ok: true; result: DecisionResult } | { ok: false; refusal: string };


/**
 * An entry point's approve/reject: signs the decision with the entry points' key, sends it as the workflow's `decide`
 * Update, and audits an attempt the workflow refused (the validator's refusals never reach the run's history).
 */
export async function decide(deps: { client: Client; db: Db; signingKey: Buffer }, request: DecideRequest): Promise<DecideOutcome> {
  const handle = deps.client.workflow.getHandle(request.workflowId);
  let env = request.env;
  if (!env) {
    const status = await handle.query(statusQuery).catch((err: unknown) => {
      throw new UsageError(`run ${request.workflowId}: ${rootMessage(err)}; list runs with 'ferry status'`);
    });
    const waiting = status.stages.filter((s) => s.state === 'waiting' && s.name.startsWith('approve:')).map((s) => s.name.slice('approve:'.length));
    if (waiting.length !== 1) {
      throw new UsageError(waiting.length === 0 ? `run ${request.workflowId} is not waiting for an approval (stage: ${status.stage}, state: ${status.state})` : `run ${request.workflowId} waits for ${waiting.join(' and ')}; pass --env`);
    }
    env = waiting[0]!;
  }
  const signed = { workflowId: request.workflowId, env, decision: request.decision, approver: request.user.name, groups: request.user.groups, roles: request.user.roles, at: new Date().toISOString(), ...(request.comment ? { comment: request.comment } : {}) };
  const signature = signDecision(deps.signingKey, signed);
  const { workflowId: _id, ...input } = signed;
  try {
    const result = await handle.executeUpdate(decideUpdate, { args: [{ ...input, signature, via: request.via }] });
    return { ok: true, result };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw new FerryError(`run ${request.workflowId}: ${rootMessage(err)}`, { cause: err });
    const refusal = rootMessage(err).replace(/^refused: /, '');
    // Refusals after the validator (a bad attestation) are audited by the workflow itself.
    if (err.cause instanceof ApplicationFailure && ['AttestationRefused', 'ApprovalRefused'].includes(err.cause.type ?? '')) return { ok: false, refusal };
    // The validator's refusals leave no trace in the run's history, so the entry point audits them.
    const key = `refused:${request.workflowId}:${randomUUID()}`;
    await deps.db.transaction(async (tx) => {
      await tx.insert(approvals).values({ workflowId: request.workflowId, env: env!, approver: request.user.name, decision: 'refused', reason: refusal, via: request.via, idempotencyKey: key });
      await appendAudit(tx, {
        actor: request.user.name,
        action: 'approval.refused',
        subjectKind: 'run',
        subjectId: request.workflowId,
        workflowId: request.workflowId,
        reason: refusal,
        details: { env, decision: request.decision, via: request.via },
        idempotencyKey: key,
      });
    });
    return { ok: false, refusal };
  }
}
