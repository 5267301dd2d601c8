import { ApplicationFailure } from '@temporalio/workflow';
import { checkout, INTEGRATE_HEARTBEAT } from '../presets.js';
import { git, stage, type RunContext } from './context.js';
import { Failure } from '../../src/core/failures.js';

/** Integrate: check out the commit and hash the datasets; a reproduction refuses data that changed since. */
export async function integrate(run: RunContext): Promise<void> {
  const { spec, input, workflowId } = run;
  const integration = await stage(
    run,
    'integrate',
    `resolving ${input.ref ?? spec.repo.ref} and hashing ${spec.datasets.length} dataset(s)`,
    (_, progress) =>
      git.integrate.executeWithOptions({ ...checkout, ...(run.patches.stepLiveness ? { heartbeatTimeout: INTEGRATE_HEARTBEAT } : {}), summary: 'git checkout and dataset hashes' }, [
        { workflowId, repo: spec.repo, ref: input.ref, datasets: spec.datasets, ...(progress ? { progress } : {}) },
      ]),
    true,
  );
  run.integration = integration;
  run.status.commit = integration.commit;
  if (!input.reproduce) return;
  const { model: of, version: v } = input.reproduce;
  for (const recorded of input.reproduce.datasets) {
    const now = integration.datasets.find((d) => d.name === recorded.name);
    if (!now || now.sha256 !== recorded.sha256) {
      throw ApplicationFailure.nonRetryable(
        `dataset "${recorded.name}" changed since ${of}@${v} was trained: recorded sha256 ${recorded.sha256.slice(0, 12)}, now ${now ? now.sha256.slice(0, 12) : 'missing'}; a reproduction needs the same data`,
        Failure.DatasetChanged,
      );
    }
  }
}
