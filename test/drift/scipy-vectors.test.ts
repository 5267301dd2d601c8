/**
 * Every vector of shared/data/scipy-vectors.json (scipy's own test inputs, values from scipy 1.17.1).
 * The file sits beside the repository; if it is missing this suite fails rather than skips.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareContingency } from '../../src/drift/chi-square.js';
import { histogramCounts, linspace, sturgesEdges } from '../../src/drift/histogram.js';
import { jensenShannon } from '../../src/drift/jensen-shannon.js';
import { type KsMethod, ks2samp } from '../../src/drift/ks.js';
import { kstwoSf } from '../../src/drift/kstwo.js';
import { psi } from '../../src/drift/psi.js';
import { normalisedWasserstein, wassersteinDistance } from '../../src/drift/wasserstein.js';
import { relErr } from './generators.js';

import { VECTORS_URL } from './vectors.js';

interface Vectors {
  ks_2samp: { case: string; inputs: { x: number[] | string; y: number[] | string }; method: KsMethod; statistic: number; pvalue: number }[];
  chi2_contingency: { table: number[][]; statistic: number; pvalue: number; dof: number }[];
  wasserstein_distance: { u: number[]; v: number[]; value: number }[];
  jensenshannon: { p: number[]; q: number[]; value: number }[];
  kstwo_sf: { d: number; n: number; value: number }[];
  contract_binned: {
    reference: string;
    current: string;
    bins: number;
    psi: number;
    jensenshannon: number;
    wasserstein_normalised: number;
    ks_statistic: number;
    ks_pvalue: number;
  };
}

/** Evaluates +, -, *, / and parentheses over numbers, as Python would for these small literals. */
function evalArithmetic(src: string): number {
  let pos = 0;
  const s = src.replace(/\s+/g, '');
  const expr = (): number => {
    let v = term();
    while (s[pos] === '+' || s[pos] === '-') v = s[pos++] === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = factor();
    while (s[pos] === '*' || s[pos] === '/') v = s[pos++] === '*' ? v * factor() : v / factor();
    return v;
  };
  const factor = (): number => {
    if (s[pos] === '(') {
      pos++;
      const v = expr();
      if (s[pos++] !== ')') throw new Error(`bad expression ${src}`);
      return v;
    }
    if (s[pos] === '-') {
      pos++;
      return -factor();
    }
    const m = /^\d+(?:\.\d*)?(?:e[+-]?\d+)?/i.exec(s.slice(pos));
    if (!m) throw new Error(`bad expression ${src}`);
    pos += m[0].length;
    return Number(m[0]);
  };
  const v = expr();
  if (pos !== s.length) throw new Error(`bad expression ${src}`);
  return v;
}

/** Reproduces the generator strings of the vectors file, e.g. "linspace(1,200,10000) - 1/(4*10000*11000)". */
export function materialise(input: number[] | string): Float64Array {
  if (Array.isArray(input)) return Float64Array.from(input);
  const m = /^\s*linspace\(([^,]+),([^,]+),([^)]+)\)\s*(?:([+-])\s*(.+))?$/.exec(input);
  if (!m) throw new Error(`unknown generator ${input}`);
  const y = linspace(evalArithmetic(m[1]!), evalArithmetic(m[2]!), evalArithmetic(m[3]!));
  if (m[4]) {
    const offset = evalArithmetic(m[5]!);
    for (let i = 0; i < y.length; i++) y[i] = m[4] === '+' ? y[i]! + offset : y[i]! - offset;
  }
  return y;
}

const vectors = JSON.parse(readFileSync(VECTORS_URL, 'utf8')) as Vectors;

describe('scipy-vectors.json', () => {
  it('has every section the contract names', () => {
    expect(vectors.ks_2samp.length).toBeGreaterThan(0);
    expect(vectors.chi2_contingency.length).toBeGreaterThan(0);
    expect(vectors.wasserstein_distance.length).toBeGreaterThan(0);
    expect(vectors.jensenshannon.length).toBeGreaterThan(0);
    expect(vectors.kstwo_sf.length).toBeGreaterThan(0);
    expect(vectors.contract_binned).toBeTypeOf('object');
  });

  describe('ks_2samp', () => {
    for (const v of vectors.ks_2samp) {
      it(`${v.case} (${v.method}) matches statistic and p-value`, () => {
        const r = ks2samp(materialise(v.inputs.x), materialise(v.inputs.y), v.method);
        expect(Math.abs(r.statistic - v.statistic)).toBeLessThan(1e-12);
        expect(relErr(r.pValue, v.pvalue)).toBeLessThan(1e-9);
      });
    }
  });

  describe('chi2_contingency', () => {
    for (const v of vectors.chi2_contingency) {
      it(`${JSON.stringify(v.table)} matches statistic, p-value and dof`, () => {
        const r = chiSquareContingency(v.table);
        expect(r.dof).toBe(v.dof);
        expect(Math.abs(r.statistic - v.statistic)).toBeLessThan(1e-9);
        expect(relErr(r.pValue, v.pvalue)).toBeLessThan(1e-9);
      });
    }
  });

  describe('wasserstein_distance', () => {
    for (const v of vectors.wasserstein_distance) {
      it(`${JSON.stringify(v.u)} vs ${JSON.stringify(v.v)}`, () => {
        expect(relErr(wassersteinDistance(v.u, v.v), v.value)).toBeLessThan(1e-12);
      });
    }
  });

  describe('jensenshannon', () => {
    for (const v of vectors.jensenshannon) {
      it(`${JSON.stringify(v.p)} vs ${JSON.stringify(v.q)}`, () => {
        expect(relErr(jensenShannon(v.p, v.q), v.value)).toBeLessThan(1e-12);
      });
    }
  });

  describe('kstwo.sf', () => {
    for (const v of vectors.kstwo_sf) {
      it(`d=${v.d}, n=${v.n}`, () => {
        expect(relErr(kstwoSf(v.d, v.n), v.value)).toBeLessThan(1e-9);
      });
    }
  });

  describe('contract_binned', () => {
    const c = vectors.contract_binned;
    const ref = materialise(c.reference).sort();
    const cur = materialise(c.current).sort();
    const edges = sturgesEdges(ref, cur);
    const rc = histogramCounts(ref, edges);
    const cc = histogramCounts(cur, edges);

    it('uses the same number of Sturges bins', () => {
      expect(edges.length - 1).toBe(c.bins);
    });
    it('matches psi', () => {
      expect(relErr(psi(rc, cc), c.psi)).toBeLessThan(1e-9);
    });
    it('matches jensenshannon', () => {
      expect(relErr(jensenShannon(rc, cc), c.jensenshannon)).toBeLessThan(1e-9);
    });
    it('matches the normalised wasserstein distance', () => {
      expect(relErr(normalisedWasserstein(ref, cur), c.wasserstein_normalised)).toBeLessThan(1e-9);
    });
    it('matches ks statistic and p-value', () => {
      const r = ks2samp(ref, cur);
      expect(Math.abs(r.statistic - c.ks_statistic)).toBeLessThan(1e-12);
      expect(relErr(r.pValue, c.ks_pvalue)).toBeLessThan(1e-9);
    });
  });
});
