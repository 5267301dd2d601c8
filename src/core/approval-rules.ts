import { z } from 'zod';
import type { ApprovalSpec } from './spec.js';

/**
 * Approval rules, evaluated the same way by the workflow Update's validator and by every entry point (CLI, Slack).
 * Pure and deterministic: it runs inside workflow code, so it imports nothing but zod and DSL types.
 */

/** Ferry's roles, lowest first; a role includes every role below it. */
export const ROLES = ['viewer', 'engineer', 'approver', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Whether any of `roles` is `needed` or a role above it. */
export function hasRole(roles: readonly string[], needed: Role): boolean {
  const rank = ROLES.indexOf(needed);
  return roles.some((r) => ROLES.indexOf(r as Role) >= rank);
}

export const decisionKindSchema = z.enum(['approve', 'reject']);
export type DecisionKind = z.infer<typeof decisionKindSchema>;

/** A decision already counted by the run. */
export const countedDecisionSchema = z.object({ approver: z.string().min(1), decision: decisionKindSchema });
export type CountedDecision = z.infer<typeof countedDecisionSchema>;

/** Who is trying to decide: the authenticated Ferry user, with the roles and groups the entry point looked up. */
export const approverSchema = z.object({
  name: z.string().min(1),
  groups: z.array(z.string()).default([]),
  roles: z.array(z.string()).default([]),
});
export type Approver = z.input<typeof approverSchema>;

export interface ApprovalAttempt {
  rule: ApprovalSpec;
  approver: Approver;
  /** The pipeline's author (owner / commit author) as a Ferry user name, if known. */
  runAuthor?: string;
  /** The user who triggered the run, if known. */
  runTrigger?: string;
  /** Decisions already counted for this environment, oldest first. */
  decisions: readonly CountedDecision[];
  /** Default `approve`. The run's author may reject (withdraw) their own run; only approving is separated. */
  decision?: DecisionKind;
  /** Environment name, for messages only. */
  env?: string;
  /** Once the approval has escalated: the users and groups (`escalateTo`) who may now decide besides `rule.groups`. */
  escalatedTo?: readonly string[];
}

/** Why an attempt was turned away; a stable code for audits and tests, a sentence for people. */
export const refusalCodes = ['not-approver', 'not-in-group', 'self-approval', 'duplicate', 'decided'] as const;
export type RefusalCode = (typeof refusalCodes)[number];

export type AttemptResult = { accepted: true } | { accepted: false; code: RefusalCode; reason: string };

export type ApprovalOutcome = 'pending' | 'approved' | 'rejected';

/** Distinct approvers counted so far (a person approving twice counts once). */
export function distinctApprovers(decisions: readonly CountedDecision[]): string[] {
  return [...new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.approver))];
}

/** N of M: approved once `rule.required` distinct people approved; any reject rejects; otherwise pending. */
export function approvalOutcome(rule: Pick<ApprovalSpec, 'required'>, decisions: readonly CountedDecision[]): ApprovalOutcome {
  if (decisions.some((d) => d.decision === 'reject')) return 'rejected';
  return distinctApprovers(decisions).length >= rule.required ? 'approved' : 'pending';
}

const refuse = (code: RefusalCode, reason: string): AttemptResult => ({ accepted: false, code, reason });

/**
 * Decides whether one approve/reject attempt may be counted. Refuses, in this order: a decision on an approval that is
 * already decided, a user without the approver role, a non-member of the rule's groups (when it names any),
 * self-approval by the run's author or trigger (separation of duties), and a second decision by the same person.
 */
export function evaluateApprovalAttempt(attempt: ApprovalAttempt): AttemptResult {
  const approver = approverSchema.parse(attempt.approver);
  const decision = attempt.decision ?? 'approve';
  const where = attempt.env ? ` for ${attempt.env}` : '';
  const outcome = approvalOutcome(attempt.rule, attempt.decisions);
  if (outcome !== 'pending') return refuse('decided', `the approval${where} is already ${outcome}; nothing more to decide`);
  if (!hasRole(approver.roles, 'approver')) {
    return refuse(
      'not-approver',
      `${approver.name} does not have the approver role (has: ${approver.roles.join(', ') || 'none'}); an admin can grant it with 'ferry users grant ${approver.name} approver'`,
    );
  }
  const groups = attempt.rule.groups;
  const escalated = attempt.escalatedTo ?? [];
  const escalatedToApprover = escalated.includes(approver.name) || approver.groups.some((g) => escalated.includes(g));
  if (groups.length > 0 && !groups.some((g) => approver.groups.includes(g)) && !escalatedToApprover) {
    const after = attempt.rule.escalateTo.length > 0 && escalated.length === 0 ? ` (${attempt.rule.escalateTo.join(', ')} may decide once it escalates)` : escalated.length > 0 ? ` or ${escalated.join(', ')} (escalated)` : '';
    return refuse('not-in-group', `${approver.name} is not a member of ${groups.join(' or ')}, whose members approve${where}${after}`);
  }
  if (decision === 'approve') {
    if (attempt.runTrigger !== undefined && attempt.runTrigger === approver.name) {
      return refuse('self-approval', `you triggered this run; separation of duties: ${approver.name} cannot approve it, ask another approver`);
    }
    if (attempt.runAuthor !== undefined && attempt.runAuthor === approver.name) {
      return refuse('self-approval', `you authored this run; separation of duties: ${approver.name} cannot approve it, ask another approver`);
    }
  }
  const previous = attempt.decisions.find((d) => d.approver === approver.name);
  if (previous) return refuse('duplicate', `${approver.name} already ${previous.decision === 'approve' ? 'approved' : 'rejected'} this run${where}; each person decides once`);
  return { accepted: true };
}

/** Everyone-facing summary of where an approval stands, e.g. "1 of 2 approvals (alice)". */
export function describeProgress(rule: Pick<ApprovalSpec, 'required'>, decisions: readonly CountedDecision[]): string {
  const approvers = distinctApprovers(decisions);
  return `${approvers.length} of ${rule.required} approval${rule.required === 1 ? '' : 's'}${approvers.length ? ` (${approvers.join(', ')})` : ''}`;
}
