import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { appendAudit } from './audit/index.js';
import { signDecision, type Signer } from './auth/attest.js';
import { ensureKey } from './auth/signing-keys.js';
import type { FerryUser } from './auth/roles.js';
import type { Db } from './db/client.js';
import { approvals } from './db/schema/index.js';
import { FerryError, rootMessage, UsageError } from './core/errors.js';
import { decideUpdate, type DecisionResult } from '../workflows/approval.js';
import { statusQuery } from '../workflows/pipeline.js';
import { Failure, isFailureKind } from './core/failures.js';

export interface DecideRequest {
  workflowId: string;
  /** The environment awaiting approval; omitted → the run's only pending one. */
  env?: string;
  decision: 'approve' | 'reject';
  user: FerryUser;
  comment?: string;
  /** Which entry point: `cli`, `slack`. */
  via: string;
  /** With the Slack app's service key: the Slack member it verified (the workflow checks it maps to `user`). */
  slackUserId?: string;
}

export type DecideOutcome = { ok: true; result: DecisionResult } | { ok: false; refusal: string };


export interface DecideDeps {
  client: Client;
  db: Db;
  /**
   * The key that signs: the Slack app's service key, or a person's own. Omitted → the approver's own key from their
   * config directory (`FERRY_CONFIG_DIR`, else ~/.config/ferry), created and registered on first use.
   */
  signer?: Signer;
}

/**
 * An entry point's approve/reject: signs the decision with an Ed25519 key (see `DecideDeps.signer`), sends it as the
 * workflow's `decide` Update, and audits an attempt the workflow refused (the validator's refusals never reach the
 * run's history).
 */
export async function decide(deps: DecideDeps, request: DecideRequest): Promise<DecideOutcome> {
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
  const signer = deps.signer ?? (await ensureKey(deps.db, request.user.name, 'user'));
  const { decision: signed, signature } = signDecision(signer, {
    workflowId: request.workflowId,
    env,
    decision: request.decision,
    approver: request.user.name,
    at: new Date().toISOString(),
    via: request.via,
    ...(request.comment ? { comment: request.comment } : {}),
    ...(request.slackUserId ? { slackUserId: request.slackUserId } : {}),
  });
  const { workflowId: _id, ...input } = signed;
  try {
    // Roles and groups travel only so the Update's validator can refuse early; the workflow counts Postgres's.
    const result = await handle.executeUpdate(decideUpdate, { args: [{ ...input, groups: request.user.groups, roles: request.user.roles, signature }] });
    return { ok: true, result };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw new FerryError(`run ${request.workflowId}: ${rootMessage(err)}`, { cause: err });
    const refusal = rootMessage(err).replace(/^refused: /, '');
    // Refusals after the validator (a bad attestation) are audited by the workflow itself.
    if (err.cause instanceof ApplicationFailure && isFailureKind(err.cause.type, Failure.AttestationRefused, Failure.ApprovalRefused)) return { ok: false, refusal };
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
