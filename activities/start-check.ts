import { Context } from '@temporalio/activity';
import { appendAudit } from '../src/audit/index.js';
import { log } from '../src/log.js';
import { verifyRunStart, type RunStartFacts, type RunStartVerification } from '../src/runs/start-attestation.js';
import type { ActivityDeps } from './deps.js';
import { createRunActivities, type RunStartedInput } from './runs.js';

/** The run-start check the lifecycle workflow makes before any step (see src/runs/start-attestation.ts). */
export function createStartCheckActivities(deps: ActivityDeps) {
  const { db, cwd } = deps;
  const { recordRunStarted } = createRunActivities(deps);
  const check = {
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
  return {
    ...check,
    /**
     * A `compact-history` run's first write (`decideCompactHistory`): the run recorded as started, then its start
     * verified, in one local activity (one marker) where older runs made two.
     */
    async recordAndVerifyRunStart(input: { started: RunStartedInput; facts: RunStartFacts }): Promise<RunStartVerification> {
      await recordRunStarted(input.started);
      return check.verifyRunStart(input.facts);
    },
  };
}
