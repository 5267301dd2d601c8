import { Context } from '@temporalio/activity';
import { appendAudit } from '../src/audit/index.js';
import { log } from '../src/log.js';
import { verifyRunStart, type RunStartFacts, type RunStartVerification } from '../src/runs/start-attestation.js';
import type { ActivityDeps } from './deps.js';

/** The run-start check the lifecycle workflow makes before any step (see src/runs/start-attestation.ts). */
export function createStartCheckActivities(deps: ActivityDeps) {
  const { db, cwd } = deps;
  return {
    /** Verifies a run's signed start and re-checks submission policies; a refusal is audited as `run.start-refused`. */
    async verifyRunStart(facts: RunStartFacts): Promise<RunStartVerification> {
      const verdict = await verifyRunStart(db, facts, cwd);
      if (verdict.ok) return verdict;
      if (deps.unsignedStarts === 'allow') {
        // Test workers only (startTestWorker): the run goes on, nothing is audited.
        log.warn({ workflowId: facts.workflowId, reason: verdict.reason }, 'unsigned run start allowed (unsignedStarts: allow)');
        return { ok: true };
      }
      const key = `${facts.workflowId}:start-refused`;
      await appendAudit(db, {
        // The start's claimed author is only a claim: it is recorded as such.
        actor: 'unverified',
        action: 'run.start-refused',
        subjectKind: 'run',
        subjectId: facts.workflowId,
        workflowId: facts.workflowId,
        temporalRunId: Context.current().info.workflowExecution?.runId,
        reason: verdict.reason,
        details: { trigger: facts.trigger, claimedTriggeredBy: facts.triggeredBy ?? null, specHash: facts.specHash, pipeline: facts.spec.name },
        idempotencyKey: key,
      });
      return verdict;
    },
  };
}
