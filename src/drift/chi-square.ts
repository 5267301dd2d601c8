/** Pearson chi-square test of independence on a contingency table, a port of `scipy.stats.chi2_contingency`. */
import { chi2Sf } from './special.js';

/** Statistic, p-value and degrees of freedom. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
}

/**
 * chi2_contingency(table) with scipy's defaults: expected = row·col / total, dof = (r−1)(c−1), Yates's continuity
 * correction when dof = 1, p from the chi-square survival function. Every row and column total must be positive.
 */
export function chiSquareContingency(table: readonly (ArrayLike<number>)[]): ChiSquareResult {
  const r = table.length;
  const c = table[0]?.length ?? 0;
  const rowSums = new Float64Array(r);
  const colSums = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const v = table[i]![j]!;
      rowSums[i]! += v;
      colSums[j]! += v;
      total += v;
    }
  }
  for (let i = 0; i < r; i++) if (rowSums[i] === 0) throw new RangeError('chi2_contingency: a row total is zero');
  for (let j = 0; j < c; j++) if (colSums[j] === 0) throw new RangeError('chi2_contingency: a column total is zero');
  const dof = r * c - r - c + 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  let stat = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const expected = (rowSums[i]! * colSums[j]!) / total;
      let observed = table[i]![j]!;
      if (dof === 1) {
        const diff = expected - observed;
        observed += Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
      }
      const d = observed - expected;
      stat += (d * d) / expected;
    }
  }
  return { statistic: stat, pValue: chi2Sf(stat, dof), dof };
}
