import { definePolicy } from '../define.js';
import type { Policy, PolicyContext, PolicyFinding } from '../types.js';
import type { PipelineSpec } from '../../core/spec.js';

export interface RequireApprovalOptions {
  /** The environment whose deploys need sign-off. */
  env: string;
  /** Distinct approvals at least (default 1). */
  minRequired?: number;
  /** The approval rule's groups must be among these (and name at least one); empty = any approver. */
  groups?: string[];
  /** At promotion, the run's author does not count as an approver (default true). */
  separationOfDuties?: boolean;
  name?: string;
}

function submitFindings(spec: PipelineSpec, env: string, min: number, groups: string[]): PolicyFinding[] {
  const index = spec.deploy.findIndex((d) => d.env === env);
  if (index < 0) return [];
  const rule = spec.deploy[index]!.approval;
  const path = `deploy[${index}].approval`;
  if (!rule) return [{ message: `deploying to ${env} needs an approval; add approval({ required: ${min}${groups.length ? `, groups: ${JSON.stringify(groups)}` : ''} })`, path }];
  const findings: PolicyFinding[] = [];
  if (rule.required < min) findings.push({ message: `deploying to ${env} needs at least ${min} approval(s), the pipeline asks for ${rule.required}`, path: `${path}.required` });
  if (groups.length > 0) {
    const outside = rule.groups.filter((g) => !groups.includes(g));
    if (rule.groups.length === 0 || outside.length > 0) {
      findings.push({
        message: `${env} approvals must come from ${groups.join(' or ')}${rule.groups.length ? `, not ${outside.join(', ')}` : ' (the pipeline lets any approver decide)'}; set groups: ${JSON.stringify(groups)}`,
        path: `${path}.groups`,
      });
    }
  }
  return findings;
}

function promoteFindings(ctx: PolicyContext, env: string, min: number, groups: string[], separate: boolean): PolicyFinding[] {
  if (ctx.env !== env) return [];
  const counted = new Set<string>();
  for (const a of ctx.approvals ?? []) {
    if (a.decision !== 'approve') continue;
    if (separate && ctx.author !== undefined && a.approver === ctx.author) continue;
    if (groups.length > 0 && !(a.groups ?? []).some((g) => groups.includes(g))) continue;
    counted.add(a.approver);
  }
  if (counted.size >= min) return [];
  const who = `${groups.length ? `members of ${groups.join(' or ')}` : 'approvers'}${separate ? ' other than the run\'s author' : ''}`;
  return [{ message: `promotion to ${env} needs ${min} approval(s) from ${who}; it has ${counted.size}` }];
}

/**
 * Required approvals per environment: at submission the pipeline's approval rule for `env` must ask for at least
 * `minRequired` approvals from `groups`; at promotion the recorded approvals must meet it (the author's own not counted).
 * @example requireApproval({ env: 'production', minRequired: 1, groups: ['ml-leads'], separationOfDuties: true })
 */
export function requireApproval(options: RequireApprovalOptions): Policy {
  const { env, minRequired = 1, groups = [], separationOfDuties = true } = options;
  return definePolicy({
    name: options.name ?? 'require-approval',
    description: `deploys to ${env} need ${minRequired} approval(s)${groups.length ? ` from ${groups.join(' or ')}` : ''}${separationOfDuties ? ', not by the author' : ''}`,
    check: (spec, ctx) =>
      ctx.phase === 'submit' ? submitFindings(spec, env, minRequired, groups) : promoteFindings(ctx, env, minRequired, groups, separationOfDuties),
  });
}
