import { ApplicationFailure, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities } from '../activities/index.js';
import { durationMs } from '../src/core/duration.js';
import type { ApprovalSpec } from '../src/core/spec.js';
import { approvalOutcome, describeProgress, evaluateApprovalAttempt, type ApprovalOutcome, type CountedDecision } from '../src/core/approval-rules.js';
import { quick } from './presets.js';
import { Failure } from '../src/core/failures.js';

/** An approve/reject as an entry point (CLI, Slack) sends it: signed, with the approver's roles and groups. */
export const decisionInputSchema = z.strictObject({
  env: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  approver: z.string().min(1),
  groups: z.array(z.string()),
  roles: z.array(z.string()),
  at: z.string().min(1),
  comment: z.string().optional(),
  /** The entry point's signature over the fields above (Ed25519, see src/auth/attest.ts; HMAC in older histories). */
  signature: z.string(),
  via: z.string().min(1),
  /** Which registered key signed it; absent in decisions recorded before per-person keys. */
  keyId: z.string().min(1).optional(),
  /** The Slack member the Slack app verified, when it signed. */
  slackUserId: z.string().min(1).optional(),
});
export type DecisionInput = z.infer<typeof decisionInputSchema>;

export interface DecisionResult {
  env: string;
  outcome: ApprovalOutcome;
  progress: string;
}

/** The `decide` Update: its validator refuses unauthorised, duplicate and self approvals before anything is recorded. */
export const decideUpdate = defineUpdate<DecisionResult, [DecisionInput]>('decide');

export interface PendingApproval {
  env: string;
  rule: ApprovalSpec;
  requestedAt: number;
  expiresAt: number;
  decisions: (CountedDecision & { at: string; comment?: string; via: string; groups: string[] })[];
  /** Set when the approval escalated (runs with the `approval-escalation` patch): `escalateTo` may decide too. */
  escalatedTo?: string[];
}

const act = proxyActivities<Activities>(quick);

/**
 * What the verification activity checks: the signed fields of a decision. Decisions without a key id (older
 * histories) are passed as they were then, with their claimed roles and groups.
 */
function attestationOf(workflowId: string, input: DecisionInput): { decision: Record<string, unknown>; signature: string } {
  const { signature, via, groups, roles, keyId, slackUserId, ...signed } = input;
  if (!keyId) return { decision: { workflowId, ...signed, groups, roles }, signature };
  return { decision: { workflowId, ...signed, via, keyId, ...(slackUserId ? { slackUserId } : {}) }, signature };
}
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

/**
 * Approval gates of one run. `wait(env, rule)` blocks durably until the rule is met, someone rejects, or it expires
 * (→ rejected), sending reminders and escalations on durable timers on the way. Once escalated, the users and groups
 * of `escalateTo` may decide as well as `groups` (runs that decided the `approval-escalation` patch).
 */
export function createApprovals(run: { workflowId: string; author?: string; trigger?: string; onChange: () => void; escalationAdmits?: () => boolean }) {
  const pending = new Map<string, PendingApproval>();
  const decided = new Map<string, PendingApproval['decisions']>();

  setHandler(
    decideUpdate,
    async (raw) => {
      const input = decisionInputSchema.parse(raw);
      const approval = pending.get(input.env);
      if (!approval) throw ApplicationFailure.nonRetryable(`no approval for ${input.env} is pending`, Failure.NotPending);
      const verified = await local.verifyDecisionAttestation(attestationOf(run.workflowId, input));
      if (!verified.ok) {
        await act.recordApprovalDecision({ workflowId: run.workflowId, env: input.env, approver: input.approver, decision: 'refused', reason: verified.reason, via: input.via, ...('forgery' in verified && verified.forgery ? { forgery: true } : {}) });
        throw ApplicationFailure.nonRetryable(`refused: ${verified.reason}`, Failure.AttestationRefused);
      }
      const { via } = input;
      // Who the approver is now, as Postgres says (histories recorded before per-person keys carry no lookup).
      const { groups, roles } = 'approver' in verified && verified.approver ? verified.approver : input;
      // Another decision may have landed while the attestation was checked: evaluate again on the current state.
      const attempt = evaluateApprovalAttempt({ rule: approval.rule, approver: { name: input.approver, groups, roles }, runAuthor: run.author, runTrigger: run.trigger, decisions: approval.decisions, decision: input.decision, env: input.env, escalatedTo: approval.escalatedTo });
      if (!attempt.accepted) {
        await act.recordApprovalDecision({ workflowId: run.workflowId, env: input.env, approver: input.approver, decision: 'refused', reason: attempt.reason, via });
        throw ApplicationFailure.nonRetryable(`refused: ${attempt.reason}`, Failure.ApprovalRefused);
      }
      approval.decisions.push({ approver: input.approver, decision: input.decision, at: input.at, comment: input.comment, via, groups });
      await act.recordApprovalDecision({ workflowId: run.workflowId, env: input.env, approver: input.approver, decision: input.decision, comment: input.comment, via });
      run.onChange();
      return { env: input.env, outcome: approvalOutcome(approval.rule, approval.decisions), progress: describeProgress(approval.rule, approval.decisions) };
    },
    {
      validator: (raw) => {
        const parsed = decisionInputSchema.safeParse(raw);
        if (!parsed.success) throw new Error(`invalid decision: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
        const input = parsed.data;
        const approval = pending.get(input.env);
        if (!approval) {
          const waiting = [...pending.keys()];
          throw new Error(`no approval for ${input.env} is pending${waiting.length ? ` (waiting: ${waiting.join(', ')})` : ''}`);
        }
        const attempt = evaluateApprovalAttempt({
          rule: approval.rule,
          approver: { name: input.approver, groups: input.groups, roles: input.roles },
          runAuthor: run.author,
          runTrigger: run.trigger,
          decisions: approval.decisions,
          decision: input.decision,
          env: input.env,
          escalatedTo: approval.escalatedTo,
        });
        if (!attempt.accepted) throw new Error(attempt.reason);
      },
    },
  );

  return {
    pending: () => [...pending.values()],

    /** Waits for `env`'s approval; resolves 'approved' or 'rejected' (also on expiry). */
    /** Decisions counted for an environment whose approval has finished (for promotion-time policies). */
    decided: (env: string) => decided.get(env) ?? [],

    async wait(env: string, rule: ApprovalSpec, notify: (kind: 'requested' | 'reminder' | 'escalation' | 'expired', to?: string[]) => Promise<void>): Promise<ApprovalOutcome> {
      const requestedAt = Date.now();
      const approval: PendingApproval = { env, rule, requestedAt, expiresAt: requestedAt + durationMs(rule.expiresIn), decisions: [] };
      pending.set(env, approval);
      run.onChange();
      await notify('requested');
      const remindEvery = rule.remindEvery ? durationMs(rule.remindEvery) : undefined;
      const escalateAt = rule.escalateAfter ? requestedAt + durationMs(rule.escalateAfter) : undefined;
      let nextReminder = remindEvery ? requestedAt + remindEvery : undefined;
      let escalated = false;
      try {
        for (;;) {
          const wakeAt = Math.min(approval.expiresAt, nextReminder ?? Infinity, escalated || escalateAt === undefined ? Infinity : escalateAt);
          const decided = await condition(() => approvalOutcome(rule, approval.decisions) !== 'pending', Math.max(1, wakeAt - Date.now()));
          if (decided) return approvalOutcome(rule, approval.decisions);
          const now = Date.now();
          if (now >= approval.expiresAt) {
            await act.recordApprovalDecision({ workflowId: run.workflowId, env, approver: 'ferry', decision: 'expired', reason: `no decision within ${rule.expiresIn}`, via: 'timer' });
            await notify('expired');
            return 'rejected';
          }
          if (!escalated && escalateAt !== undefined && now >= escalateAt) {
            escalated = true;
            if (run.escalationAdmits?.() && rule.escalateTo.length > 0) {
              approval.escalatedTo = [...rule.escalateTo];
              run.onChange();
            }
            await notify('escalation', rule.escalateTo);
          }
          if (nextReminder !== undefined && now >= nextReminder) {
            await notify('reminder');
            nextReminder = now + remindEvery!;
          }
        }
      } finally {
        decided.set(env, approval.decisions);
        pending.delete(env);
        run.onChange();
      }
    },
  };
}
