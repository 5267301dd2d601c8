import { appendAudit } from '../src/audit/index.js';
import type { PipelineSpec } from '../src/core/spec.js';
import { FerryError } from '../src/core/errors.js';
import { assertPolicies } from '../src/policy/index.js';
import type { ActivityDeps } from './deps.js';
import { Failure, FerryFailure } from '../src/core/failures.js';

/** Policies again at promotion time: the organisation's rules may have changed since the run was submitted. */
export function createPolicyActivities({ db, cwd }: ActivityDeps) {
  return {
    async checkPromotionPolicies(input: {
      workflowId: string;
      spec: PipelineSpec;
      env: string;
      author?: string;
      approvals: { approver: string; decision: 'approve' | 'reject'; groups?: string[] }[];
    }): Promise<void> {
      try {
        await assertPolicies(input.spec, input.spec.name, cwd, { phase: 'promote', env: input.env, author: input.author, approvals: input.approvals });
      } catch (err) {
        if (!(err instanceof FerryError) || !err.details.policy) throw err;
        await appendAudit(db, {
          actor: 'ferry',
          action: 'policy.violation',
          subjectKind: 'run',
          subjectId: input.workflowId,
          workflowId: input.workflowId,
          reason: err.message,
          details: { phase: 'promote', env: input.env, violations: err.details.violations as never },
          idempotencyKey: `${input.workflowId}:policy:${input.env}`,
        });
        throw new FerryFailure(Failure.PolicyViolation, err.message);
      }
    },
  };
}
