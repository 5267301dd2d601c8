import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train } from '../../pipelines/penguins/steps.js';
import { stepContext } from './context.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function trainOnce(seed: number) {
  const ctx = stepContext({ seed });
  const result = await train.run(ctx, {});
  return { result, model: sha256(join(ctx.outputDir, 'model.json')), reference: sha256(join(ctx.outputDir, 'reference.csv')) };
}

describe('penguins.train is deterministic', () => {
  it('writes byte-identical model.json and reference.csv and the same metrics for the same seed and data', async () => {
    const first = await trainOnce(42);
    const second = await trainOnce(42);
    expect(second.model).toBe(first.model);
    expect(second.reference).toBe(first.reference);
    expect(second.result).toEqual(first.result);
  });

  it('trains a different forest for another seed', async () => {
    const [a, b] = [await trainOnce(42), await trainOnce(7)];
    expect(b.model).not.toBe(a.model);
  });
});
