import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { command, definePipeline, gate, step } from '../../src/dsl/define.js';
import type { PipelineInput } from '../../src/core/spec.js';

/**
 * The pipelines and step functions whose recorded histories the replay test runs against today's workflow code.
 * Replays run no activities, so only the workflow code matters; the step names here are what the recorded histories
 * scheduled, and the recorder's worker registers exactly these.
 */
export const fitStep = defineStep('replay.fit', z.object({ slope: z.number() }), async (ctx, { slope }) => {
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ slope, seed: ctx.seed }));
  return { metrics: { r2: slope / 2 }, artifacts: { model: 'model.json' } };
});

export const replaySteps = [fitStep];

export interface ReplayScenario {
  /** Files committed in the temp git repository the run integrates. */
  files: Record<string, string>;
  pipeline: PipelineInput;
  /** Whether the recorded run is expected to fail (the recorder checks, so a history records what it says). */
  fails: boolean;
}

const files = { 'data/points.csv': 'x,y\n0,1\n1,3\n', 'README.md': 'replay fixture\n' };

export const scenarios: Record<string, ReplayScenario> = {
  hello: {
    files,
    fails: false,
    pipeline: definePipeline({
      name: 'replay-hello',
      datasets: [{ name: 'points', path: 'data/points.csv' }],
      build: [command('check', 'test -f data/points.csv && echo ok')],
      train: step('fit', 'replay.fit', { slope: 1.9 }),
      evaluate: { gates: [gate.min('r2', 0.9), gate.max('r2', 1)] },
    }),
  },
  'failed-gate': {
    files,
    fails: true,
    pipeline: definePipeline({
      name: 'replay-failed-gate',
      build: [command('check', 'true')],
      train: step('fit', 'replay.fit', { slope: 1 }),
      evaluate: { gates: [gate.min('r2', 0.9)] },
    }),
  },
};
