import { describe, expect, it } from 'vitest';
import { robustness, UNSEEN_CATEGORY } from '../../src/risk/robustness.js';
import type { PredictClasses, Row } from '../../src/risk/types.js';

// x is 0..99; the model says "high" above 49.5, and reads the colour only when it is "red" (unknown colours → "low").
const rows: Row[] = Array.from({ length: 100 }, (_, i) => ({ x: i, colour: i % 2 === 0 ? 'red' : 'blue' }));
const predict: PredictClasses = async (rs) =>
  rs.map((r) => {
    if (typeof r.x !== 'number') return 'unknown';
    if (r.colour === 'red') return 'red';
    return r.x > 49.5 ? 'high' : 'low';
  });

describe('robustness', () => {
  it('missing values flip every prediction the model cannot make without them', async () => {
    const report = await robustness({ predict, rows, perturbations: [{ kind: 'missing', features: ['x'] }] });
    expect(report.results[0]).toMatchObject({ flipRate: 1, flipped: 100, rows: 100 });
  });

  it('an unseen category flips exactly the rows whose category mattered', async () => {
    const report = await robustness({ predict, rows, perturbations: [{ kind: 'unseen-category', features: ['colour'] }] });
    // Red rows (50) become blue-like: those with x > 49.5 (25 of them) say "high", the others "low"; all 50 flip.
    expect(report.results[0]!.flipRate).toBe(0.5);
  });

  it('noise flips only rows near the threshold, more with a larger scale, the same for a seed', async () => {
    const run = (scale: number, seed: number) => robustness({ predict, rows, seed, perturbations: [{ kind: 'noise', features: ['x'], scale }] });
    const small = (await run(0.01, 4)).results[0]!;
    const large = (await run(0.5, 4)).results[0]!;
    expect(small.flipRate).toBeLessThan(0.05);
    expect(large.flipRate).toBeGreaterThan(small.flipRate);
    expect((await run(0.5, 4)).results[0]).toEqual(large);
    expect((await run(0.5, 5)).results[0]!.flipped).not.toBe(large.flipped);
  });

  it('noise with scale 0 changes nothing', async () => {
    const report = await robustness({ predict, rows, perturbations: [{ kind: 'noise', features: ['x'], scale: 0 }] });
    expect(report.results[0]!.flipRate).toBe(0);
  });

  it('leaves the rows untouched and uses a recognisable unseen value', async () => {
    const seen: Row[][] = [];
    const copy = rows.map((r) => ({ ...r }));
    await robustness({ predict: async (rs) => (seen.push(rs), predict(rs)), rows: copy, perturbations: [{ kind: 'unseen-category', features: ['colour'] }] });
    expect(copy).toEqual(rows);
    expect(seen[1]![0]!.colour).toBe(UNSEEN_CATEGORY);
  });

  it('rejects noise on a feature without numbers, naming it and the alternatives', async () => {
    await expect(robustness({ predict, rows, perturbations: [{ kind: 'noise', features: ['colour'], scale: 0.1 }] })).rejects.toThrow(
      /"colour" has no numeric values; use kind 'unseen-category' or 'missing'/,
    );
  });
});
