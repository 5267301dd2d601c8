import { describe, expect, it } from 'vitest';
import { detectDrift, tableFromRows } from '../../src/drift/index.js';
import { loadPenguinsCsv } from '../../pipelines/penguins/data.js';
import { FEATURES, type Penguin } from '../../pipelines/penguins/features.js';
import { stratifiedSplit } from '../../pipelines/penguins/split.js';
import { heldOutPenguins, productionWindow } from '../../pipelines/penguins/traffic.js';
import { DATASET } from './context.js';

const mean = (records: readonly Penguin[], field: 'body_mass_g' | 'flipper_length_mm' | 'bill_length_mm') => records.reduce((s, r) => s + r[field], 0) / records.length;
const share = <T>(items: readonly T[], test: (item: T) => boolean) => items.filter(test).length / items.length;
const table = (records: readonly Penguin[]) => tableFromRows([...FEATURES], records.map((r) => FEATURES.map((f) => String(r[f]))));

describe('production windows', () => {
  const heldOut = heldOutPenguins();

  it('draw from the held-out split of the pipeline (seed 42, testShare 0.25)', () => {
    const { test } = stratifiedSplit(loadPenguinsCsv(DATASET).rows, (r) => r.species, { testShare: 0.25, seed: 42 });
    expect(heldOut).toEqual(test);
  });

  it('are deterministic for a seed and return one true label per request', () => {
    const a = productionWindow({ seed: 3, n: 120 });
    expect(productionWindow({ seed: 3, n: 120 })).toEqual(a);
    expect(productionWindow({ seed: 4, n: 120 }).requests).not.toEqual(a.requests);
    expect(a.labels).toHaveLength(120);
    expect(Object.keys(a.requests[0]!)).toEqual([...FEATURES]);
  });

  it('without drift, look like the held-out penguins', () => {
    const { requests, labels } = productionWindow({ seed: 1, n: 400 });
    expect(Math.abs(mean(requests, 'body_mass_g') - mean(heldOut, 'body_mass_g'))).toBeLessThan(120);
    expect(Math.abs(mean(requests, 'flipper_length_mm') - mean(heldOut, 'flipper_length_mm'))).toBeLessThan(3);
    expect(Math.abs(share(labels, (s) => s === 'Gentoo') - share(heldOut, (p) => p.species === 'Gentoo'))).toBeLessThan(0.1);
  });

  it('with measurement drift, record the same birds 15 % heavier and with flippers 12 mm longer', () => {
    const clean = productionWindow({ seed: 1, n: 200 });
    const drifted = productionWindow({ seed: 1, n: 200, drift: 'measurement' });
    expect(drifted.labels).toEqual(clean.labels);
    drifted.requests.forEach((r, i) => {
      const c = clean.requests[i]!;
      expect(r.body_mass_g).toBe(Math.round(c.body_mass_g * 1.15));
      expect(r.flipper_length_mm).toBe(c.flipper_length_mm + 12);
      expect([r.bill_length_mm, r.bill_depth_mm, r.island, r.sex]).toEqual([c.bill_length_mm, c.bill_depth_mm, c.island, c.sex]);
    });
    expect(mean(drifted.requests, 'body_mass_g') / mean(clean.requests, 'body_mass_g')).toBeCloseTo(1.15, 2);
  });

  it('with subgroup drift, are dominated by Gentoo from Biscoe', () => {
    const { requests, labels } = productionWindow({ seed: 1, n: 200, drift: 'subgroup' });
    expect(share(requests, (r) => r.island === 'Biscoe')).toBeGreaterThan(0.8);
    expect(share(labels, (s) => s === 'Gentoo')).toBeGreaterThan(0.8);
    expect(mean(requests, 'body_mass_g')).toBeGreaterThan(mean(heldOut, 'body_mass_g') + 500);
  });

  it('are flagged by the drift check against the training reference when drifted, and not otherwise', () => {
    const { train } = stratifiedSplit(loadPenguinsCsv(DATASET).rows, (r) => r.species, { testShare: 0.25, seed: 42 });
    const reference = table(train);
    // The pipeline's monitor breaches at maxDriftShare 0.3 (2 of 6 columns).
    for (const seed of [1, 2, 3, 4, 7]) {
      expect(detectDrift(reference, table(productionWindow({ seed, n: 200 }).requests)).driftedShare).toBeLessThan(0.3);
      const measurement = detectDrift(reference, table(productionWindow({ seed, n: 200, drift: 'measurement' }).requests));
      expect(measurement.driftedShare).toBeGreaterThan(0.3);
      expect(measurement.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(expect.arrayContaining(['flipper_length_mm', 'body_mass_g']));
      expect(detectDrift(reference, table(productionWindow({ seed, n: 200, drift: 'subgroup' }).requests)).datasetDrifted).toBe(true);
    }
  });

  it('reject a window size that is not a whole number ≥ 1', () => {
    expect(() => productionWindow({ seed: 1, n: 0 })).toThrow(/n: expected a whole number/);
  });
});
