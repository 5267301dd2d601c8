/** CBPE (src/metrics/cbpe.ts) against NannyML 0.13's own estimates (fixtures/cbpe.json, from scripts/make-cbpe-fixture.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrator, estimatePerformance, fitIsotonic } from '../../src/metrics/cbpe.js';

interface Fixture {
  nannyml: string;
  needsCalibration: boolean;
  reference: { y_pred_proba: number[]; y_pred: number[]; y_true: number[] };
  analysis: { y_pred_proba: number[]; y_pred: number[] };
  chunks: { start: number; end: number; accuracy: number; f1: number; precision: number; recall: number }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/cbpe.json', import.meta.url), 'utf8')) as Fixture;

/** The stated tolerance: 1e-9 absolute (both sides compute the same sums in float64; only summation order differs). */
const TOLERANCE = 1e-9;

describe(`estimated performance matches NannyML ${fixture.nannyml} CBPE`, () => {
  it('on every chunk of a shifting analysis period, within 1e-9', () => {
    // NannyML calibrated these scores too (they are miscalibrated by construction), so both use isotonic regression.
    expect(fixture.needsCalibration).toBe(true);
    const calibrate = calibrator(fixture.reference.y_true, fixture.reference.y_pred_proba);
    expect(fixture.chunks).toHaveLength(4);
    for (const chunk of fixture.chunks) {
      const scores = fixture.analysis.y_pred_proba.slice(chunk.start, chunk.end + 1);
      const predicted = fixture.analysis.y_pred.slice(chunk.start, chunk.end + 1).map((p) => p === 1);
      const estimate = estimatePerformance(calibrate, predicted, scores);
      for (const metric of ['accuracy', 'precision', 'recall', 'f1'] as const) {
        expect(Math.abs(estimate[metric] - chunk[metric]), `${metric} of rows ${chunk.start}–${chunk.end}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('isotonic regression pools violators, averages ties and clips outside the reference', () => {
    const f = fitIsotonic([0.1, 0.2, 0.2, 0.3, 0.4], [0, 1, 0, 0, 1]);
    // (0.2: mean 0.5) then 0.3: 0 violates → pooled to 1/3 over weight 3; interpolation between x points.
    expect([f(0), f(0.1), f(0.2), f(0.25), f(0.3), f(0.4), f(1)]).toEqual([0, 0, expect.closeTo(1 / 3, 12), expect.closeTo(1 / 3, 12), expect.closeTo(1 / 3, 12), 1, 1]);
  });
});
