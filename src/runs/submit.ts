import { appendAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import type { LoadedPipeline } from '../dsl/load.js';
import { FerryError } from '../errors.js';
import { assertPolicies } from '../policy/index.js';
import { assertPathsInside } from '../workspace-paths.js';

/**
 * Checks a pipeline against the organisation's policies before it may start; a violation is audited and refuses the run
 * with the policy's name.
 */
export async function checkSubmission(db: Db, loaded: LoadedPipeline, actor: string, cwd = process.cwd()): Promise<void> {
  assertPathsInside(loaded, cwd);
  try {
    await assertPolicies(loaded.spec, loaded.file, cwd, { phase: 'submit', author: actor });
  } catch (err) {
    if (err instanceof FerryError && err.details.policy) {
      await appendAudit(db, {
        actor,
        action: 'policy.violation',
        subjectKind: 'pipeline',
        subjectId: loaded.spec.name,
        reason: err.message,
        details: { phase: 'submit', file: loaded.file, specHash: loaded.specHash, violations: err.details.violations as never },
      });
    }
    throw err;
  }
}
