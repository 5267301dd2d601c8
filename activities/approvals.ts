import { Context } from '@temporalio/activity';
import { appendAudit } from '../src/audit/index.js';
import { verifyFreshDecision, type AttestedDecision } from '../src/auth/attest.js';
import { approvals } from '../src/db/schema/index.js';
import { log } from '../src/log.js';
import { activityKey } from './audit.js';
import type { ActivityDeps, ApprovalNotice } from './deps.js';

export type { ApprovalNotice } from './deps.js';

export interface ApprovalRecordInput {
  workflowId: string;
  env: string;
  approver: string;
  decision: 'approve' | 'reject' | 'refused' | 'expired';
  comment?: string;
  reason?: string;
  via: string;
}


/** Approval bookkeeping: attestation checks (run as a local activity), decisions and refusals, notifications. */
export function createApprovalActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** Verifies an entry point's signature over a decision, and its freshness, with the key workers hold. */
    async verifyDecisionAttestation(input: { decision: AttestedDecision; signature: string }): Promise<{ ok: true } | { ok: false; reason: string }> {
      if (!deps.signingKey) return { ok: false, reason: 'this worker holds no signing key (FERRY_SIGNING_KEY); decisions cannot be verified' };
      return verifyFreshDecision(deps.signingKey, input.decision, input.signature);
    },

    /** Records a decision, a refused attempt or an expiry (once per activity call) and audits it. */
    async recordApprovalDecision(input: ApprovalRecordInput): Promise<void> {
      const { workflowExecution } = Context.current().info;
      const key = activityKey();
      await db.transaction(async (tx) => {
        await tx
          .insert(approvals)
          .values({ workflowId: input.workflowId, env: input.env, approver: input.approver, decision: input.decision, comment: input.comment, reason: input.reason, via: input.via, idempotencyKey: key })
          .onConflictDoNothing();
        await appendAudit(tx, {
          actor: input.approver,
          action: input.decision === 'refused' ? 'approval.refused' : 'approval.decision',
          subjectKind: 'run',
          subjectId: input.workflowId,
          workflowId: input.workflowId,
          temporalRunId: workflowExecution?.runId,
          reason: input.reason ?? input.comment,
          details: { env: input.env, decision: input.decision, via: input.via },
          idempotencyKey: key,
        });
      });
    },

    /** Tells approvers: Slack when configured (the Slack app posts and threads), otherwise the worker's log. */
    async notifyApprovers(notice: ApprovalNotice): Promise<void> {
      if (deps.notify) await deps.notify(notice);
      else log.info({ notice }, notice.text);
    },
  };
}
