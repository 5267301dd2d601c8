import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Predict } from '../../src/index.js';
import { heldOutPenguins } from '../../pipelines/penguins/traffic.js';
import { featuresOf, type Penguin } from '../../pipelines/penguins/features.js';
import { predictor } from '../../pipelines/penguins/predictor.js';
import { train } from '../../pipelines/penguins/steps.js';
import { stepContext } from './context.js';

describe('the penguins predictor', () => {
  let predict: Predict;
  const heldOut = heldOutPenguins();

  beforeAll(async () => {
    const ctx = stepContext();
    await train.run(ctx, {});
    predict = await predictor.load(join(ctx.outputDir, 'model.json'));
  });

  it('serves the model "penguins"', () => {
    expect(predictor.model).toBe('penguins');
  });

  it('round-trips: loads model.json and classifies held-out penguins with vote-share probabilities', async () => {
    const outputs = (await predict(heldOut.map(featuresOf))) as { species: string; probabilities: Record<string, number> }[];
    expect(outputs).toHaveLength(heldOut.length);
    const correct = outputs.filter((o, i) => o.species === heldOut[i]!.species).length;
    expect(correct / heldOut.length).toBeGreaterThanOrEqual(0.9);
    for (const o of outputs) {
      expect(Object.keys(o.probabilities)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
      expect(Object.values(o.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(o.probabilities[o.species]).toBe(Math.max(...Object.values(o.probabilities)));
    }
  });

  it('ignores fields that are not inputs (e.g. a label sent along)', async () => {
    const [withExtra] = (await predict([{ ...heldOut[0]!, note: 'x' }])) as { species: string }[];
    const [plain] = (await predict([featuresOf(heldOut[0]!)])) as { species: string }[];
    expect(withExtra).toEqual(plain);
  });

  it('rejects a bad record with an error naming the record and the field', async () => {
    const good: Penguin = featuresOf(heldOut[0]!);
    const bad = (record: Record<string, unknown>) => () => predict([good, record]);
    expect(bad({ ...good, island: 'Atlantis' })).toThrow('inputs[1].island: expected one of Biscoe, Dream, Torgersen');
    expect(bad({ ...good, body_mass_g: '4kg' })).toThrow(/^inputs\[1\]\.body_mass_g: expected a number \(g\)/);
    expect(bad({ ...good, flipper_length_mm: -3 })).toThrow(/^inputs\[1\]\.flipper_length_mm: expected a positive number/);
    const { sex: _sex, ...noSex } = good;
    expect(bad(noSex)).toThrow(/^inputs\[1\]\.sex: /);
  });

  it('answers an empty batch with no outputs', async () => {
    expect(await predict([])).toEqual([]);
  });
});
