import type { PipelineSpec } from '../core/spec.js';
import type { Policy, PolicyContext, PolicyReport, PolicyViolation } from './types.js';

/**
 * Runs every policy against a validated spec. A policy whose check throws counts as violated (fail closed): a broken
 * rule must not let a pipeline through.
 */
export function checkPolicies(policies: readonly Policy[], spec: PipelineSpec, ctx: PolicyContext = { phase: 'submit' }): PolicyReport {
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    try {
      for (const finding of policy.check(spec, ctx)) {
        violations.push(typeof finding === 'string' ? { policy: policy.name, message: finding } : { policy: policy.name, ...finding });
      }
    } catch (err) {
      violations.push({ policy: policy.name, message: `the policy's check failed (${(err as Error).message}); fix the policy file` });
    }
  }
  return { ok: violations.length === 0, checked: policies.map((p) => p.name), violations };
}

/** One line per violation, as the CLI and refusals print it: `pipelines/x.ts: policy "name": message (at path)`. */
export function formatViolation(file: string, v: PolicyViolation): string {
  return `${file}: policy "${v.policy}": ${v.message}${v.path ? ` (at ${v.path})` : ''}`;
}
