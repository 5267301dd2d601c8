import { stage, type RunContext } from './context.js';
import { recordExperiment, runStep } from './steps.js';

/** Train: the train step with the pipeline's seed; its metrics are tracked as an experiment. */
export async function train(run: RunContext): Promise<void> {
  const { spec } = run;
  if (!spec.train) return;
  const step = spec.train;
  run.outputs[step.id] = await stage(run, 'train', `${step.id} with seed ${spec.seed}`, (_, progress) => runStep(run, 'train', step, progress), true);
  run.metrics = { ...run.outputs[step.id]!.metrics };
  await recordExperiment(run);
}
