import type { PipelineSpec } from './spec.js';

/**
 * Where a registered version's drift reference comes from (issue 17, "drift is never silently off"): the dataset
 * `monitor.reference` names; else the train step's `reference` artifact; else the first dataset recorded at
 * integration. Workflow-safe: the register stage and submission both decide with it.
 */
export type ReferenceSource = { kind: 'dataset'; name: string } | { kind: 'step' } | { kind: 'none' };

export function referenceSource(spec: Pick<PipelineSpec, 'datasets' | 'monitor'>, stepReference: boolean): ReferenceSource {
  const named = spec.monitor?.reference;
  if (named) return { kind: 'dataset', name: named };
  if (stepReference) return { kind: 'step' };
  const first = spec.datasets[0];
  return first ? { kind: 'dataset', name: first.name } : { kind: 'none' };
}

/**
 * Why a pipeline's monitor could never measure drift, as `{ path, message }` (the field and the fix), or undefined. A
 * function step may return a `reference` artifact, which only running it shows, so only a command step without one is
 * known to have none.
 */
export function driftReferenceProblem(spec: Pick<PipelineSpec, 'datasets' | 'monitor' | 'train'>): { path: string; message: string } | undefined {
  if (!spec.monitor) return undefined;
  const named = spec.monitor.reference;
  if (named && !spec.datasets.some((d) => d.name === named)) {
    const names = spec.datasets.map((d) => d.name);
    return { path: 'monitor.reference', message: `no dataset is named "${named}"${names.length ? ` (datasets: ${names.join(', ')})` : ''}; name one of datasets[] or remove monitor.reference` };
  }
  const train = spec.train;
  if (train?.kind === 'command' && !train.artifacts?.reference && spec.datasets.length === 0) {
    return {
      path: 'monitor',
      message: `drift needs a reference and train step "${train.id}" writes none: declare the training data in datasets[] (the default reference), or add artifacts: { reference: 'reference.csv' } to the step`,
    };
  }
  return undefined;
}
