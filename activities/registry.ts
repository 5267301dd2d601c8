import {
  getVersion,
  moveAlias,
  previousApprovedVersion,
  productionMetrics,
  registerVersion,
  setVersionStatus,
  type MoveAliasInput,
  type RegisterVersionInput,
  type SetVersionStatusInput,
} from '../src/registry/index.js';
import { FerryError, UsageError } from '../src/core/errors.js';
import { mirrorApproval } from '../src/deploy/sagemaker-packages.js';
import { activityKey } from './audit.js';
import type { ActivityDeps } from './deps.js';
import { createRunActivities, type RunProgress } from './runs.js';
import { Failure, FerryFailure } from '../src/core/failures.js';

/** What a workflow needs to know about a resolved version (no large fields: it goes into workflow history). */
export interface ResolvedVersion {
  model: string;
  version: number;
  status: string;
  metrics: Record<string, number>;
  artifactSha256: string;
  artifactUri: string;
  sourceWorkflowId: string;
}

/** A registry refusal (unknown version, a run registering two models) is a mistake retries cannot fix. */
async function refusalsFinal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FerryError) throw new FerryFailure(Failure.RegistryError, err.message);
    throw err;
  }
}

/**
 * A mirror failure: SageMaker down or throttled is retried (the registry write before it is idempotent); a missing
 * setting or a request SageMaker refuses is final.
 */
async function mirrorFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError) throw new FerryFailure(Failure.UsageError, err.message);
    if (err instanceof FerryError && err.details.retryable !== true) throw new FerryFailure(Failure.RegistryError, err.message);
    throw err;
  }
}

/** Activities that write and read the model registry. Writes are idempotent under Temporal retries. */
export function createRegistryActivities(deps: ActivityDeps) {
  const { db, sagemaker } = deps;
  const { recordRunProgress } = createRunActivities(deps);
  /** A SageMaker deployment's versions have a Model Package whose approval follows the registry (a no-op for others). */
  const mirror = (input: { model: string; version: number; actor?: string; workflowId?: string; reason?: string; idempotencyKey: string }) =>
    mirrorFailures(() => mirrorApproval(db, sagemaker ?? {}, { ...input, actor: input.actor ?? 'ferry', idempotencyKey: `${input.idempotencyKey}:sagemaker` }));

  return {
    /** Registers the run's model version; a retry (same `sourceWorkflowId`) returns the version already registered. */
    /** `progress`: the register stage's run-row update, handed over by a `compact-history` run. */
    async registerModelVersion({ progress, ...input }: RegisterVersionInput & { progress?: RunProgress }): Promise<{ version: number }> {
      if (progress) await recordRunProgress(progress);
      const { version } = await refusalsFinal(() => registerVersion(db, input));
      await mirror({ model: input.model, version, actor: input.actor, workflowId: input.sourceWorkflowId, reason: 'registered', idempotencyKey: `${input.model}@${version}:registered` });
      return { version };
    },

    /** Moves an alias (staging, production) to a version, with history and audit; keyed by workflow id + activity id unless given. */
    async moveAlias(input: Omit<MoveAliasInput, 'idempotencyKey'> & { idempotencyKey?: string }): Promise<{ fromVersion: number | null }> {
      const idempotencyKey = input.idempotencyKey ?? activityKey();
      const { fromVersion } = await refusalsFinal(() => moveAlias(db, { ...input, idempotencyKey }));
      return { fromVersion };
    },

    /** Sets a version's status (approved, rejected, rolled-back, …), audited. */
    async setModelVersionStatus(input: SetVersionStatusInput): Promise<{ changed: boolean }> {
      const idempotencyKey = input.idempotencyKey ?? activityKey();
      const { changed } = await refusalsFinal(() => setVersionStatus(db, { ...input, idempotencyKey }));
      await mirror({ model: input.model, version: input.version, actor: input.actor, workflowId: input.workflowId, reason: input.reason, idempotencyKey });
      return { changed };
    },

    /** Metrics of the production version (the champion for no-regression gates), or undefined with no production version. */
    async getProductionMetrics(input: { model: string }): Promise<Record<string, number> | undefined> {
      return (await productionMetrics(db, input.model))?.metrics;
    },

    /** Resolves `3`, `production` or `latest` to a version; a missing one fails without retries. */
    async resolveVersion(input: { model: string; ref: number | string }): Promise<ResolvedVersion> {
      const row = await getVersion(db, input.model, input.ref);
      if (!row) throw new FerryFailure(Failure.VersionNotFound, `model ${input.model} has no version or alias "${input.ref}"`);
      const { model, version, status, metrics, artifactSha256, artifactUri, sourceWorkflowId } = row;
      return { model, version, status, metrics, artifactSha256, artifactUri, sourceWorkflowId };
    },

    /** The version a rollback of `alias` returns to, or undefined when there is none to return to. */
    async previousVersion(input: { model: string; alias: string }): Promise<{ version: number } | undefined> {
      const version = await previousApprovedVersion(db, input.model, input.alias);
      return version === undefined ? undefined : { version };
    },
  };
}
