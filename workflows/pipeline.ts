import { build } from './lifecycle/build.js';
import { finish, finishAfter, openRun, runResult } from './lifecycle/context.js';
import { evaluate } from './lifecycle/evaluate.js';
import { integrate } from './lifecycle/integrate.js';
import { checkRunStart } from './lifecycle/start-check.js';
import { promoteTo } from './lifecycle/promote.js';
import { register } from './lifecycle/register.js';
import { startMonitor } from './lifecycle/start-monitor.js';
import { train } from './lifecycle/train.js';
import type { PipelineRunInput, PipelineRunResult } from './lifecycle/types.js';

export { statusQuery } from './lifecycle/context.js';
export type { PipelineRunInput, PipelineRunResult } from './lifecycle/types.js';

/**
 * The lifecycle interpreter: runs any validated pipeline spec through integrate → build → train → evaluate →
 * register → (approve → deploy) per environment → monitor, recording every stage in Postgres and in the Temporal UI.
 * Each stage lives in `lifecycle/<stage>.ts`; they share the run's context. The commands they issue, and their order,
 * are what recorded histories replay against (test/replay): change them only behind a patch (`patches.ts`).
 */
export async function pipelineRun(input: PipelineRunInput): Promise<PipelineRunResult> {
  const run = await openRun(input);
  try {
    if (run.patches.signedStart) await checkRunStart(run);
    await integrate(run);
    await build(run);
    await train(run);
    await evaluate(run);
    await register(run);
    for (const target of run.spec.deploy) {
      if (run.version === undefined) break;
      if ((await promoteTo(run, target, run.version)) === 'rejected') return runResult(run, 'rejected');
    }
    await startMonitor(run);
    await finish(run, 'succeeded');
    return runResult(run, 'succeeded');
  } catch (err) {
    await finishAfter(run, err);
    throw err;
  }
}
