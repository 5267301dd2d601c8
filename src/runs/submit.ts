import { appendAudit } from '../audit/index.js';
import type { LoadedConfig } from '../dsl/load-config.js';
import type { Db } from '../db/client.js';
import type { LoadedPipeline } from '../dsl/load.js';
import { FerryError, UsageError } from '../core/errors.js';
import { driftReferenceProblem } from '../core/drift-reference.js';
import { assertPolicies } from '../policy/index.js';
import { assertPathsInside } from '../workspace-paths.js';
import { resolveRemoteRef } from '../git-remote.js';
import { missingSagemakerSetting, missingSettingMessage } from '../deploy/sagemaker-settings.js';
import { currentEnv, envValue, type EnvSource } from '../settings.js';

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
 * predictor registered in ferry.config.ts, so without one every deploy would be retried until it gave up. So is a
 * monitor that could never measure drift (no reference to measure it against).
 */
export function assertServable(loaded: LoadedPipeline, config: LoadedConfig, env: EnvSource = currentEnv()): void {
  const { spec } = loaded;
  if (!spec.train) return;
  assertSagemakerSettings(loaded, env);
  const noReference = driftReferenceProblem(spec);
  if (noReference) throw new UsageError(`${loaded.file}: ${noReference.path}: ${noReference.message}`);
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

/**
 * Pins the commit of a pipeline whose repository is a URL: `ref` (else `repo.ref`) is resolved against the remote now,
 * so the run's input carries a SHA and every worker checks out the same commit whatever is pushed later. A wrong URL
 * or an unknown ref is a `UsageError` naming the file, the field and the URL. A local repository is left to the
 * worker (its ref resolves at integrate, as before); returns `ref` unchanged then.
 */
export async function pinCommit(loaded: LoadedPipeline, ref: string | undefined): Promise<string | undefined> {
  const { url } = loaded.spec.repo;
  if (!url) return ref;
  const wanted = ref ?? loaded.spec.repo.ref;
  try {
    return await resolveRemoteRef(url, wanted);
  } catch (err) {
    const field = /^no branch or tag/.test((err as Error).message) ? (ref === undefined ? `repo.ref ${wanted}` : `--ref ${wanted}`) : `repo.url ${url}`;
    throw new UsageError(`${loaded.file}: ${field}: ${(err as Error).message}; check the URL and this machine's git access (a credential helper or SSH keys)`, { cause: err });
  }
}

/**
 * A `sagemaker` deploy without the settings it needs is refused at submission, naming the variable. Checked in this
 * process's environment only where it is the workers' too (the embedded stack, no TEMPORAL_ADDRESS); workers of a
 * cluster have their own, and refuse the registration or deploy with the same line.
 */
function assertSagemakerSettings(loaded: LoadedPipeline, env: EnvSource): void {
  const index = loaded.spec.deploy.findIndex((d) => d.target === 'sagemaker');
  if (index < 0 || envValue('TEMPORAL_ADDRESS', env)) return;
  const missing = missingSagemakerSetting(env);
  if (missing) throw new UsageError(missingSettingMessage(missing, `${loaded.file}: deploy[${index}] (${loaded.spec.deploy[index]!.env})`));
}
