import { stage, type RunContext } from './context.js';
import { runStep } from './steps.js';

/** Build & test: the build steps, in order. */
export async function build(run: RunContext): Promise<void> {
  const steps = run.spec.build;
  if (steps.length === 0) return;
  await stage(
    run,
    'build',
    steps.map((s) => s.id).join(', '),
    async (_, progress) => {
      for (const [i, step] of steps.entries()) run.outputs[step.id] = await runStep(run, 'build', step, i === 0 ? progress : undefined);
    },
    true,
  );
}
