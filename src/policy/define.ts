import { UsageError } from '../core/errors.js';
import { firstIssue } from '../dsl/issues.js';
import { policySchema, type Policy, type PolicyCheck, type PolicyContext, type PolicyFinding } from './types.js';
import type { PipelineSpec } from '../core/spec.js';

export interface PolicyDefinition {
  /** Shown in every refusal: `policy "production-safety": …`. Lower-case, digits, ".", "_", "-". */
  name: string;
  description?: string;
  /** Returns what is wrong (empty when the pipeline complies). */
  check?: PolicyCheck;
  /** Built-in rules to apply together under this policy's name. */
  rules?: Policy[];
}

/**
 * Declares a policy: a named, pure check of a pipeline spec, run when a pipeline is submitted and again at promotion.
 * Give it a `check`, or compose built-in `rules` (their findings are reported under this policy's name), or both.
 * @example
 * export default definePolicy({
 *   name: 'production-safety',
 *   description: 'production deploys need a no-regression gate and an ml-leads approval',
 *   rules: [requireGates({ envs: ['production'], kinds: ['no-regression'] }),
 *           requireApproval({ env: 'production', minRequired: 1, groups: ['ml-leads'], separationOfDuties: true })],
 * });
 */
export function definePolicy(definition: PolicyDefinition): Policy {
  const { rules = [], check } = definition;
  if (!check && rules.length === 0) throw new UsageError(`policy "${definition.name}": give it a check(spec, ctx) function or a list of rules`);
  const combined: PolicyCheck = (spec: PipelineSpec, ctx: PolicyContext) => {
    const findings: Array<PolicyFinding | string> = [];
    for (const rule of rules) findings.push(...rule.check(spec, ctx));
    if (check) findings.push(...check(spec, ctx));
    return findings;
  };
  const policy = {
    kind: 'ferry/policy' as const,
    name: definition.name,
    description: definition.description ?? rules.map((r) => r.description).join('; '),
    check: combined,
  };
  const parsed = policySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, policy);
    throw new UsageError(`policy "${definition.name}": ${issue.path || '(policy)'}: ${issue.message}`);
  }
  return Object.freeze(policy);
}
