import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStep } from 'ferry';

/**
 * The hello pipeline's "training": fits y = a·x + b to a few points by least squares. Trivial, deterministic, and real
 * enough to produce a model file and a metric.
 */
export const fitLine = defineStep('hello.fit-line', z.object({ points: z.array(z.tuple([z.number(), z.number()])).min(2) }), async (ctx, { points }) => {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const a = sxy / sxx;
  const b = my - a * mx;
  const ssRes = points.reduce((s, [x, y]) => s + (y - (a * x + b)) ** 2, 0);
  const ssTot = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ a, b, seed: ctx.seed }));
  return { metrics: { r2: 1 - ssRes / ssTot }, artifacts: { model: 'model.json' } };
});
