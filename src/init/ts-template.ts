/** `ferry init` (TypeScript): a step function that fits a line to data/points.csv and a predictor that serves it. */

/** A seeded generator of numbers in [0, 1) (an LCG): example data that is the same file on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The example data: y ≈ 2x + 1 with a little seeded noise. */
export function pointsCsv(rows = 40): string {
  const next = seededRandom(7);
  const lines = ['x,y'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${Math.round((2 * i + 1 + (next() - 0.5)) * 1000) / 1000}`);
  return `${lines.join('\n')}\n`;
}

/** The TypeScript project's own files, for a pipeline and model called `name`. */
export function tsFiles(name: string): Record<string, string> {
  return {
    'ferry.config.ts': `import { defineConfig } from 'ferry';
import { predictor } from './steps/predictor.js';
import { train } from './steps/train.js';

// What this project's workers register: step functions by name, and how the model server loads each model.
export default defineConfig({ steps: [train], predictors: [predictor] });
`,
    [`pipelines/${name}.ts`]: `import { approval, definePipeline, gate, step } from 'ferry';

/** ${name}: a line fitted to data/points.csv, gated on its R², approved, served by Ferry's model server. */
export default definePipeline({
  name: '${name}',
  owner: 'ml-team',
  datasets: [{ name: 'points', path: 'data/points.csv' }], // hashed at integration
  seed: 7,
  train: step('train', '${name}.train'),
  evaluate: { gates: [gate.min('r2', 0.9)] },
  deploy: [{ env: 'production', approval: approval() }],
});
`,
    'steps/train.ts': `import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineStep } from 'ferry';
import { z } from 'zod';

/** Fits y = a·x + b to the points dataset by least squares; writes model.json and reports R². */
export const train = defineStep('${name}.train', z.object({}), async (ctx) => {
  const rows = readFileSync(ctx.datasets.points!.path, 'utf8').trim().split('\\n').slice(1).map((line) => line.split(',').map(Number) as [number, number]);
  const n = rows.length;
  const mx = rows.reduce((s, [x]) => s + x, 0) / n;
  const my = rows.reduce((s, [, y]) => s + y, 0) / n;
  const a = rows.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / rows.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const b = my - a * mx;
  const ssRes = rows.reduce((s, [x, y]) => s + (y - (a * x + b)) ** 2, 0);
  const ssTot = rows.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ a, b }));
  return { metrics: { r2: 1 - ssRes / ssTot }, artifacts: { model: 'model.json' } };
});
`,
    'steps/predictor.ts': `import { readFileSync } from 'node:fs';
import { definePredictor } from 'ferry';
import { z } from 'zod';

const input = z.object({ x: z.number() });

/** Serves a registered version: POST {"inputs": [{"x": 3}]} → {"outputs": [{"y": …}]}. */
export const predictor = definePredictor('${name}', (file) => {
  const { a, b } = JSON.parse(readFileSync(file, 'utf8')) as { a: number; b: number };
  return (inputs) => inputs.map((row) => ({ y: a * input.parse(row).x + b }));
});
`,
  };
}
