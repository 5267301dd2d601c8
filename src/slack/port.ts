import type { FerryUser } from '../auth/roles.js';
import type { ApprovalOutcome } from '../core/approval-rules.js';

/** One approve/reject as the Slack app hands it to whoever executes it (the approval workflow Update). */
export interface ApprovalPortRequest {
  workflowId: string;
  env: string;
  decision: 'approve' | 'reject';
  slackUserId: string;
  /** The Ferry user the Slack member maps to (already looked up; not yet checked against the rule). */
  approver: FerryUser;
  /** Optional note on an approval. */
  comment?: string;
  /** Why, on a rejection (the modal makes it required). */
  reason?: string;
}

export type ApprovalPortResult =
  | { ok: true; outcome: ApprovalOutcome; /** e.g. "1 of 2 approvals (bob)" */ progress?: string; at?: string }
  | { ok: false; refusal: string };

/**
 * What the Slack app needs from the approval workflow: execute a decision and say what came of it. The implementation
 * signs the decision (src/auth/attest.ts), sends the Update, and audits refused attempts; a refusal is a sentence
 * for the person who clicked ("you triggered this run; …").
 */
export interface ApprovalPort {
  decide(request: ApprovalPortRequest): Promise<ApprovalPortResult>;
}
