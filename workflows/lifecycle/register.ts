import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { searchAttributes } from '../../src/core/search-attributes.js';
import { act, checkedOut, stage, type RunContext } from './context.js';
import { Failure } from '../../src/core/failures.js';
import { referenceSource } from '../../src/core/drift-reference.js';

/** Register: a run whose training produced a model registers it; one that only tracks an experiment (or reproduces) does not. */
export async function register(run: RunContext): Promise<void> {
  const { spec, input, model, workflowId } = run;
  const trained = spec.train ? run.outputs[spec.train.id] : undefined;
  const artifact = trained?.artifacts.model;
  if (trained && !artifact && spec.deploy.length > 0) {
    throw ApplicationFailure.nonRetryable(`train step "${spec.train!.id}" returned no "model" artifact to deploy; return { artifacts: { model: 'model.json' } } (or write <outputs>/model)`, Failure.StepOutputError);
  }
  if (!trained || !artifact || input.reproduce) return;
  const integration = checkedOut(run);
  // The stage's record is handed to the registration (`stage`'s handOver).
  const version = await stage(run, 'register', `registering ${model}`, async (_, progress) => {
    const registered = await act.registerModelVersion({
      ...(progress ? { progress } : {}),
      model,
      description: spec.description,
      owner: spec.owner,
      sourceWorkflowId: workflowId,
      temporalRunId: run.runId,
      pipeline: spec.name,
      specHash: input.specHash,
      commit: integration.commit,
      params: spec.params,
      seed: spec.seed,
      metrics: run.metrics,
      gates: run.gates,
      artifact: { sha256: artifact.sha256, uri: artifact.uri, size: artifact.size, kind: 'model' },
      ...(run.patches.datasetReference ? driftReference(run, integration.datasets, trained.artifacts.reference) : { referenceSha256: trained.artifacts.reference?.sha256 }),
      modelCard: run.modelCard,
      datasets: integration.datasets.map((d) => ({ name: d.name, uri: `${integration.repo}#${integration.commit}:${d.path}`, sha256: d.sha256 })),
      parentRuns: input.parentRuns ?? [],
      actor: input.triggeredBy ?? 'ferry',
    });
    return registered.version;
  }, true);
  run.version = version;
  run.status.modelVersion = version;
  upsertSearchAttributes([{ key: searchAttributes.modelVersion, value: version }]);
}

type Integrated = ReturnType<typeof checkedOut>['datasets'][number];
type StepArtifact = { sha256: string; uri: string; size: number };

/**
 * The version's drift reference (src/core/drift-reference.ts): the dataset `monitor.reference` names, else the train
 * step's `reference` artifact, else the first dataset. Passed whole, so the registry stores where it is for any worker.
 */
function driftReference(run: RunContext, datasets: Integrated[], step: StepArtifact | undefined) {
  const source = referenceSource(run.spec, step !== undefined);
  if (source.kind === 'step' && step) return { reference: { sha256: step.sha256, uri: step.uri, size: step.size, kind: 'reference' as const } };
  const dataset = source.kind === 'dataset' ? datasets.find((d) => d.name === source.name) : undefined;
  // A dataset integrated before datasets were stored has no URI: the version has no reference then, as before.
  if (dataset?.uri) return { reference: { sha256: dataset.sha256, uri: dataset.uri, size: dataset.bytes, kind: 'dataset' as const } };
  return { referenceSha256: step?.sha256 };
}
