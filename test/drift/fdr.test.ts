/** Benjamini–Hochberg against scipy.stats.false_discovery_control (fixtures/fdr.json, from scripts/make-fdr-fixture.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, withFdrControl } from '../../src/drift/fdr.js';
import type { ColumnDrift } from '../../src/drift/schema.js';
import { summarise } from '../../src/drift/detect.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/fdr.json', import.meta.url), 'utf8')) as { scipy: string; cases: { name: string; p: number[]; bh: number[] }[] };

describe('benjaminiHochberg', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('matches scipy %s within 1e-12', (_name, c) => {
    const ours = benjaminiHochberg(c.p);
    expect(ours).toHaveLength(c.bh.length);
    ours.forEach((q, i) => expect(Math.abs(q - c.bh[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, c.bh[i]!)));
  });

  it('refuses a p-value outside [0, 1]', () => {
    expect(() => benjaminiHochberg([0.5, 1.2])).toThrow(/\[0, 1\]/);
  });
});

describe('withFdrControl', () => {
  const col = (column: string, pValue: number | null, statistic = 0.5): ColumnDrift => ({
    column, type: 'numeric', method: pValue === null ? 'wasserstein' : 'ks', missingShare: 0, statistic, pValue,
    threshold: pValue === null ? 0.1 : 0.05, drifted: pValue === null ? statistic >= 0.1 : pValue < 0.05,
  });

  it('clears chance p-values among many features that the uncorrected test calls drifted', () => {
    const noise = Array.from({ length: 40 }, (_, i) => col(`f${i}`, i === 3 ? 0.01 : i === 7 ? 0.03 : 0.2 + i / 100));
    expect(summarise(noise).columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['f3', 'f7']);
    const controlled = withFdrControl(summarise(noise), 0.05);
    expect(controlled.columns.filter((c) => c.drifted)).toEqual([]);
    expect(controlled.columns[3]!.pValue).toBeCloseTo(0.4, 12);
  });

  it('keeps a real shift and distance-judged verdicts', () => {
    const report = withFdrControl(summarise([col('shifted', 1e-9), col('noise', 0.5), col('dist', null, 0.3)]), 0.05);
    expect(report.columns.map((c) => [c.column, c.drifted])).toEqual([['shifted', true], ['noise', false], ['dist', true]]);
    expect(report.columns[0]!.threshold).toBe(0.05);
  });
});
