import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ferrySrc = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const penguinsSteps = fileURLToPath(new URL('../../pipelines/penguins/steps.ts', import.meta.url));
const penguinsPredictor = fileURLToPath(new URL('../../pipelines/penguins/predictor.ts', import.meta.url));
const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../pipelines/penguins/${path}`, import.meta.url)), 'utf8');

/** Seconds the train step takes before it trains: long enough to find the worker running it and SIGKILL it. */
export const TRAIN_HOLD_SECONDS = 8;

/**
 * The team's repository as it is pushed to the remote: a trimmed copy of `pipelines/penguins.ts` (one production
 * environment with a canary, a fast monitor, evaluate on the `gpu` queue) started by pushes to main, its data and
 * build check, and a ferry.config.ts registering the penguins steps and predictor. The train step holds for a few
 * seconds (heartbeating) first, so the test can kill the worker in the middle of it.
 */
export function penguinsProject(repo: { url: string } | { path: string }, trees: number): Record<string, string> {
  return {
    'package.json': '{ "type": "module" }\n',
    'data/penguins.csv': read('data/penguins.csv'),
    'check.mjs': read('check.mjs'),
    'ferry.config.ts': `import { defineConfig, defineStep } from ${JSON.stringify(ferrySrc)};
import { evaluate, train, trainParams } from ${JSON.stringify(penguinsSteps)};
import { predictor } from ${JSON.stringify(penguinsPredictor)};
const heldTrain = defineStep('cluster.train', trainParams.partial(), async (ctx, params) => {
  for (let i = 0; i < ${TRAIN_HOLD_SECONDS}; i++) {
    ctx.heartbeat({ holding: i });
    await new Promise((r) => setTimeout(r, 1000));
  }
  return train.run(ctx, params);
});
export default defineConfig({ steps: [heldTrain, evaluate], predictors: [predictor] });
`,
    'pipelines/penguins.ts': `import { approval, command, definePipeline, gate, step } from ${JSON.stringify(ferrySrc)};
export default definePipeline({
  name: 'penguins',
  model: 'penguins',
  owner: 'ml-leads',
  on: { push: { branches: ['main'] } },
  repo: ${JSON.stringify('url' in repo ? { url: repo.url, ref: 'main' } : { path: repo.path })},
  datasets: [{ name: 'penguins', path: 'data/penguins.csv' }],
  params: { trees: ${trees}, testShare: 0.25 },
  seed: 42,
  build: [command('check-data', 'node check.mjs data/penguins.csv', { timeout: '2m', retries: 0 })],
  train: step('train', 'cluster.train', {}, { timeout: '5m', heartbeat: '4s' }),
  evaluate: {
    step: step('evaluate', 'penguins.evaluate', {}, { timeout: '5m', taskQueue: 'gpu' }),
    gates: [gate.min('accuracy', 0.9)],
  },
  deploy: [{ env: 'production', approval: approval({ groups: ['ml-leads'] }), strategy: { kind: 'canary', steps: [50, 100], bake: '8s', maxErrorRate: 0.05 } }],
  monitor: { every: '3s', maxDriftShare: 0.3, minMetric: { metric: 'accuracy', min: 0.85 }, onBreach: 'rollback', minRows: 100, cooldown: '10m', minLabeledShare: 0.8 },
});
`,
  };
}
