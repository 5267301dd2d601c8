import { z } from 'zod';
import type { PipelineSpec } from '../core/spec.js';

/** When a policy is checked: when a pipeline is submitted (`ferry run`, `ferry policy check`) or when a model is promoted. */
export const policyPhaseSchema = z.enum(['submit', 'promote']);
export type PolicyPhase = z.infer<typeof policyPhaseSchema>;

/** A decision a promotion-time policy can look at; `groups` are the approver's groups when the decision was made. */
export interface PolicyApproval {
  approver: string;
  decision: 'approve' | 'reject';
  groups?: string[];
}

/** What a policy knows besides the spec. At promotion, `env` is the environment being promoted to. */
export interface PolicyContext {
  phase: PolicyPhase;
  env?: string;
  /** The run's author / trigger (a Ferry user name), for separation-of-duties checks. */
  author?: string;
  /** Decisions counted for `env` (promotion time). */
  approvals?: PolicyApproval[];
}

/** One thing a pipeline does wrong; `path` points at the field, as in `deploy[1].approval.required`. */
export interface PolicyFinding {
  message: string;
  path?: string;
}

export type PolicyCheck = (spec: PipelineSpec, ctx: PolicyContext) => Array<PolicyFinding | string>;

/** A policy as `definePolicy` returns it: a name people see in refusals, and a pure check. */
export interface Policy {
  readonly kind: 'ferry/policy';
  readonly name: string;
  readonly description: string;
  readonly check: PolicyCheck;
}

/** A finding attributed to the policy that made it. */
export interface PolicyViolation extends PolicyFinding {
  policy: string;
}

export interface PolicyReport {
  ok: boolean;
  /** The policies that were checked, by name. */
  checked: string[];
  violations: PolicyViolation[];
}

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `expected ${what} to be a function`);

export const policyNameSchema = z
  .string()
  .min(1, 'expected a non-empty policy name')
  .max(80, 'expected at most 80 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected lower-case letters, digits, ".", "_" or "-" (e.g. "production-safety")');

/** A loaded policy module's default export is checked against this before it is trusted. */
export const policySchema = z.strictObject({
  kind: z.literal('ferry/policy', { error: 'expected a policy made with definePolicy(...)' }),
  name: policyNameSchema,
  description: z.string(),
  check: fn<PolicyCheck>('check'),
});
