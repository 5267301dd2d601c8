import { appendAudit } from '../audit/index.js';
import type { LoadedConfig } from '../config.js';
import type { Db } from '../db/client.js';
import type { LoadedPipeline } from '../dsl/load.js';
import { FerryError, UsageError } from '../core/errors.js';
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

/**
 * A deploy that can never succeed is refused before the run starts: the `local` target serves a model only through a
 * predictor registered in ferry.config.ts, so without one every deploy would be retried until it gave up.
 */
export function assertServable(loaded: LoadedPipeline, config: LoadedConfig): void {
  const { spec } = loaded;
  if (!spec.train) return;
  const model = spec.model ?? spec.name;
  const index = spec.deploy.findIndex((d) => d.target === 'local');
  if (index < 0 || config.predictors.has(model)) return;
  const registered = [...config.predictors.keys()];
  throw new UsageError(
    `${loaded.file}: deploy[${index}] (${spec.deploy[index]!.env}): model "${model}" has no way to be served by the local target; ` +
      `add definePredictor('${model}', load) to predictors in ${config.file ?? 'ferry.config.ts'}` +
      `${registered.length ? ` (registered: ${registered.join(', ')})` : ''}, or deploy with target 'mlserver' (a Python model: scikit-learn, XGBoost, MLflow), 'kubernetes' or 'webhook'`,
  );
}
