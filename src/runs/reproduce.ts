import type { Signer } from '../auth/attest.js';
import { signRunStart } from './start-attestation.js';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { experiments, runs } from '../db/schema/index.js';
import { environmentChanges, type EnvironmentChange } from './environment-diff.js';
import { canonicalHash } from '../dsl/hash.js';
import { pipelineSpecSchema } from '../core/spec.js';
import { FerryError, rootMessage } from '../core/errors.js';
import { lineageOf } from '../lineage/index.js';
import { requireVersion } from '../registry/index.js';
import type { pipelineRun } from '../../workflows/pipeline.js';
import { newRunId } from './start.js';
import { firstIssue } from '../dsl/issues.js';

export interface Reproduction {
  model: string;
  version: number;
  workflowId: string;
  commit: string;
  identical: boolean;
  registeredSha256: string;
  reproducedSha256?: string;
  /** Metric → [registered, reproduced, difference]. */
  metrics: Record<string, [number, number | undefined, number | undefined]>;
  /** How the reproduction's environment fingerprint differs from the training run's (empty: the same). */
  environment: EnvironmentChange[];
}

/**
 * Re-runs the pipeline spec that produced a registered version, at its recorded commit, params and seed, and checks
 * that its datasets still hash the same. Nothing is registered or deployed; the result says whether the new model
 * artifact is byte-identical, how the metrics differ, and what changed in the environment fingerprint (runtimes, OS,
 * lockfiles, each step's interpreter) since the version was trained.
 */
export async function reproduce(deps: { client: Client; db: Db; taskQueue: string; actor: string; signer?: Signer }, model: string, ref: number | string): Promise<Reproduction> {
  const row = await requireVersion(deps.db, model, ref);
  const [run] = await deps.db.select().from(runs).where(eq(runs.workflowId, row.sourceWorkflowId));
  if (!run) throw new FerryError(`${row.model}@${row.version}: its run ${row.sourceWorkflowId} is not recorded; it cannot be reproduced`);
  const parsed = pipelineSpecSchema.safeParse(run.spec);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, run.spec);
    throw new FerryError(`${row.model}@${row.version}: the recorded spec no longer validates (${issue.path}: ${issue.message}); reproduce it with the Ferry version that ran it`);
  }
  const spec = { ...parsed.data, deploy: [], monitor: undefined };
  const lineage = await lineageOf(deps.db, row.model, row.version);
  const workflowId = newRunId(`reproduce-${row.model}-v${row.version}`);
  const specHash = canonicalHash(spec);
  const attestation = deps.signer ? signRunStart(deps.signer, { workflowId, specHash, trigger: 'reproduce', triggeredBy: deps.actor, ref: row.commit, taskQueue: deps.taskQueue }) : undefined;
  const handle = await deps.client.workflow.start<typeof pipelineRun>('pipelineRun', {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [
      {
        spec,
        specHash,
        trigger: 'reproduce',
        triggeredBy: deps.actor,
        ref: row.commit,
        taskQueue: deps.taskQueue,
        parentRuns: [row.sourceWorkflowId],
        reproduce: { model: row.model, version: row.version, datasets: (lineage?.upstream.datasets ?? []).map((d) => ({ name: d.name, sha256: d.sha256 })) },
        ...(attestation ? { attestation } : {}),
      },
    ],
    staticSummary: `reproduce ${row.model}@${row.version}`,
  });
  const result = await handle.result().catch((err: unknown) => {
    throw new FerryError(`reproduction of ${row.model}@${row.version} failed (run ${workflowId}): ${err instanceof WorkflowFailedError ? rootMessage(err) : String(err)}`);
  });
  const registered = row.metrics;
  const metrics: Reproduction['metrics'] = {};
  for (const name of Object.keys(registered)) {
    const now = result.metrics[name];
    metrics[name] = [registered[name]!, now, now === undefined ? undefined : now - registered[name]!];
  }
  const recorded = async (id: string) => (await deps.db.select({ environment: experiments.environment }).from(experiments).where(eq(experiments.workflowId, id)))[0]?.environment ?? {};
  return {
    environment: environmentChanges(await recorded(row.sourceWorkflowId), await recorded(workflowId)),
    model: row.model,
    version: row.version,
    workflowId,
    commit: row.commit,
    identical: result.artifactSha256 === row.artifactSha256,
    registeredSha256: row.artifactSha256,
    reproducedSha256: result.artifactSha256,
    metrics,
  };
}
