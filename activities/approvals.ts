import { Context } from '@temporalio/activity';
import { appendAudit } from '../src/audit/index.js';
import { verifyDecision, type DecisionVerification } from '../src/auth/attest.js';
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
  /** The decision's signature was bad (unsigned, unknown key, another person's key): audited as a forgery attempt. */
  forgery?: boolean;
}


/** Approval bookkeeping: attestation checks (run as a local activity), decisions and refusals, notifications. */
export function createApprovalActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Verifies a decision's Ed25519 signature against the public keys in Postgres, and its freshness; returns the
     * approver's current roles and groups (the workflow counts those, never the ones the decision claims).
     */
    async verifyDecisionAttestation(input: { decision: unknown; signature: string }): Promise<DecisionVerification> {
      return verifyDecision(db, input.decision, input.signature);
    },

    /** Records a decision, a refused attempt or an expiry (once per activity call) and audits it. */
    async recordApprovalDecision(input: ApprovalRecordInput): Promise<void> {
      const { workflowExecution } = Context.current().info;
      const key = activityKey();
      // A forged decision's name is only a claim: it is recorded as such, never as that person's act.
      const approver = input.forgery ? `unverified:${input.approver}` : input.approver;
      await db.transaction(async (tx) => {
        await tx
          .insert(approvals)
          .values({ workflowId: input.workflowId, env: input.env, approver, decision: input.decision, comment: input.comment, reason: input.reason, via: input.via, idempotencyKey: key })
          .onConflictDoNothing();
        await appendAudit(tx, {
          actor: input.forgery ? 'unverified' : input.approver,
          action: input.forgery ? 'approval.forgery' : input.decision === 'refused' ? 'approval.refused' : 'approval.decision',
          subjectKind: 'run',
          subjectId: input.workflowId,
          workflowId: input.workflowId,
          temporalRunId: workflowExecution?.runId,
          reason: input.reason ?? input.comment,
          details: { env: input.env, decision: input.decision, via: input.via, ...(input.forgery ? { claimedApprover: input.approver } : {}) },
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
