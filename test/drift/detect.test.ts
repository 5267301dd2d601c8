/** The `auto` rule, forced methods and their fallback, the JSON contract, and input errors of detectDrift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { type RawTable, tableFromRows } from '../../src/drift/columns.js';
import { detectDrift } from '../../src/drift/detect.js';
import { linspace } from '../../src/drift/histogram.js';
import { driftReportSchema } from '../../src/drift/schema.js';
import { relErr } from './generators.js';
import { VECTORS_URL } from './vectors.js';

function table(columns: Record<string, (string | number)[]>): RawTable {
  const header = Object.keys(columns);
  return { header, columns: header.map((h) => columns[h]!.map(String)) };
}

const repeat = <T>(values: T[], n: number): T[] => Array.from({ length: n }, (_, i) => values[i % values.length]!);

describe('auto method choice (Evidently rule)', () => {
  it('small reference: ks for numeric > 5 distinct, chisquare for > 2 distinct, z otherwise', () => {
    const ref = table({ num: repeat([1, 2, 3, 4, 5, 6, 7], 200), cat: repeat(['a', 'b', 'c'], 200), bin: repeat(['y', 'n'], 200) });
    const cur = table({ num: repeat([2, 3, 4, 5, 6, 7, 8], 150), cat: repeat(['a', 'b', 'c', 'c'], 150), bin: repeat(['y', 'y', 'n'], 150) });
    const r = detectDrift(ref, cur);
    expect(r.columns.map((c) => [c.column, c.type, c.method])).toEqual([
      ['num', 'numeric', 'ks'],
      ['cat', 'categorical', 'chisquare'],
      ['bin', 'categorical', 'z'],
    ]);
    for (const c of r.columns) {
      expect(c.threshold).toBe(0.05);
      expect(c.pValue).not.toBeNull();
      expect(c.drifted).toBe(c.pValue! < 0.05);
    }
  });

  it('large reference: wasserstein for numeric > 5 distinct, jensenshannon otherwise', () => {
    const ref = table({ num: repeat([1, 2, 3, 4, 5, 6], 1001), few: repeat([1, 2, 3], 1001), cat: repeat(['a', 'b'], 1001) });
    const cur = table({ num: repeat([1, 2, 3, 4, 5, 9], 500), few: repeat([1, 2], 500), cat: repeat(['a', 'b', 'b'], 500) });
    const r = detectDrift(ref, cur);
    expect(r.columns.map((c) => c.method)).toEqual(['wasserstein', 'jensenshannon', 'jensenshannon']);
    for (const c of r.columns) {
      expect(c.pValue).toBeNull();
      expect(c.threshold).toBe(0.1);
      expect(c.drifted).toBe(c.statistic >= 0.1);
    }
  });

  it('counts distinct values over reference ∪ current', () => {
    // 3 distinct in the reference, 6 in the union: ks, not chisquare.
    const r = detectDrift(table({ x: repeat([1, 2, 3], 30) }), table({ x: repeat([4, 5, 6], 30) }));
    expect(r.columns[0]!.method).toBe('ks');
  });
});

describe('forced methods', () => {
  const ref = table({ num: repeat([1, 2, 3, 4, 5, 6, 7, 8], 80), cat: repeat(['a', 'b', 'c'], 80), bin: repeat(['y', 'n'], 80) });
  const cur = table({ num: repeat([3, 4, 5, 6, 7, 8, 9], 90), cat: repeat(['a', 'c'], 90), bin: repeat(['y', 'y', 'n'], 90) });

  it('psi, jensenshannon and chisquare apply to every column', () => {
    for (const m of ['psi', 'jensenshannon', 'chisquare'] as const) {
      expect(detectDrift(ref, cur, { method: m }).columns.map((c) => c.method)).toEqual([m, m, m]);
    }
  });
  it('ks and wasserstein fall back to auto on categorical columns', () => {
    expect(detectDrift(ref, cur, { method: 'ks' }).columns.map((c) => c.method)).toEqual(['ks', 'chisquare', 'z']);
    expect(detectDrift(ref, cur, { method: 'wasserstein' }).columns.map((c) => c.method)).toEqual([
      'wasserstein',
      'chisquare',
      'z',
    ]);
  });
  it('z applies only to columns with at most 2 distinct values', () => {
    expect(detectDrift(ref, cur, { method: 'z' }).columns.map((c) => c.method)).toEqual(['ks', 'chisquare', 'z']);
  });
  it('psi uses the 0.1 threshold and no p-value', () => {
    const c = detectDrift(ref, cur, { method: 'psi' }).columns[0]!;
    expect(c.pValue).toBeNull();
    expect(c.threshold).toBe(0.1);
    expect(c.drifted).toBe(c.statistic >= 0.1);
  });
});

describe('end to end against scipy (contract_binned of scipy-vectors.json)', () => {
  const vectors = JSON.parse(
    readFileSync(VECTORS_URL, 'utf8'),
  ) as { contract_binned: Record<string, number> };
  const c = vectors.contract_binned;
  const ref = table({ x: Array.from(linspace(0, 1, 2000)) });
  const cur = table({ x: Array.from(linspace(0.05, 1.05, 1000)) });

  it('auto picks wasserstein for a 2,000-row reference and matches scipy', () => {
    const col = detectDrift(ref, cur).columns[0]!;
    expect(col.method).toBe('wasserstein');
    expect(relErr(col.statistic, c.wasserstein_normalised!)).toBeLessThan(1e-9);
    expect(col.drifted).toBe(true);
  });
  it('forced psi, jensenshannon and ks match scipy', () => {
    const stat = (m: 'psi' | 'jensenshannon' | 'ks') => detectDrift(ref, cur, { method: m }).columns[0]!;
    expect(relErr(stat('psi').statistic, c.psi!)).toBeLessThan(1e-9);
    expect(relErr(stat('jensenshannon').statistic, c.jensenshannon!)).toBeLessThan(1e-9);
    expect(Math.abs(stat('ks').statistic - c.ks_statistic!)).toBeLessThan(1e-12);
    expect(relErr(stat('ks').pValue!, c.ks_pvalue!)).toBeLessThan(1e-9);
  });
});

describe('report shape', () => {
  it('validates against the zod schema, keeps the reference header order and reports missing share of current', () => {
    const ref = tableFromRows(['b', 'a'], repeat([['1', 'x'], ['2', 'y'], ['3', 'x']], 60));
    const cur = tableFromRows(['a', 'b'], repeat([['x', '1'], ['', '9'], ['y', ''], ['x', '8']], 40));
    const r = detectDrift(ref, cur);
    expect(driftReportSchema.parse(r)).toEqual(r);
    expect(r.columns.map((c) => c.column)).toEqual(['b', 'a']);
    expect(r.columns[0]!.missingShare).toBeCloseTo(0.25, 12);
    expect(r.columns[1]!.missingShare).toBeCloseTo(0.25, 12);
  });
  it('flags dataset drift when at least half of the columns drift', () => {
    const ref = table({ a: repeat([1, 2, 3, 4, 5, 6, 7], 300), b: repeat([1, 2, 3, 4, 5, 6, 7], 300) });
    const cur = table({ a: repeat([11, 12, 13, 14, 15, 16, 17], 300), b: repeat([1, 2, 3, 4, 5, 6, 7], 300) });
    const r = detectDrift(ref, cur);
    expect(r.columns.map((c) => c.drifted)).toEqual([true, false]);
    expect(r.driftedShare).toBe(0.5);
    expect(r.datasetDrifted).toBe(true);
  });
  it('types a column categorical when any non-empty cell is not a finite number', () => {
    const r = detectDrift(table({ x: ['1', '2', '3', 'Infinity'] }), table({ x: ['1', '2', '', '3'] }));
    expect(r.columns[0]!.type).toBe('categorical');
  });
});

describe('input errors', () => {
  it('names the file, the column and the fix when the current file lacks a column', () => {
    const run = () =>
      detectDrift(table({ age: [1], city: ['x'] }), table({ city: ['y'] }), { referenceName: 'A.csv', currentName: 'B.csv' });
    expect(run).toThrow(UsageError);
    expect(run).toThrow('B.csv: column "age" is missing (the reference A.csv has it); give both files the same header');
  });
  it('rejects a column that only the current file has', () => {
    expect(() =>
      detectDrift(table({ a: [1] }), table({ a: [1], extra: [2] }), { referenceName: 'A.csv', currentName: 'B.csv' }),
    ).toThrow('B.csv: column "extra" is not in the reference A.csv; give both files the same header');
  });
  it('rejects a column with no values in one window', () => {
    expect(() =>
      detectDrift(table({ a: [1, 2] }), table({ a: ['', ' '] }), { referenceName: 'A.csv', currentName: 'B.csv' }),
    ).toThrow('B.csv: column "a" has no values');
  });
});
