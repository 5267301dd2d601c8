/**
 * Two-sided two-sample Kolmogorov–Smirnov test, a port of `scipy.stats.ks_2samp(..., alternative='two-sided')` including
 * its p-value paths: exact (Hodges / Viehmann lattice-path counts: `_compute_prob_outside_square` when n1 = n2,
 * `_compute_outer_prob_inside_method` otherwise) and asymptotic (`kstwo.sf(D, round(n1·n2/(n1+n2)))`).
 */
import { kstwoSf } from './kstwo.js';

/** How the p-value is computed: scipy's `method` argument. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

/** Statistic, p-value and the method that produced the p-value. */
export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

/** numpy's round-half-to-even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/**
 * Largest ECDF gaps of two ascending samples by one merge walk: `maxS` = max(F1 − F2), `minS` = max(F2 − F1, 0),
 * evaluated at every sample value as scipy does with `searchsorted(side='right')`.
 */
export function ecdfGaps(a: Float64Array, b: Float64Array): { maxS: number; minS: number } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minDiff = Infinity;
  while (i < n1 && j < n2) {
    const x = a[i]!;
    const y = b[j]!;
    if (x <= y) {
      i++;
      while (i < n1 && a[i] === x) i++;
    }
    if (y <= x) {
      j++;
      while (j < n2 && b[j] === y) j++;
    }
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minDiff) minDiff = diff;
  }
  // Once one sample is exhausted the gap moves monotonically to 0, so its extremes are already seen or 0.
  if (i < n1 || j < n2) {
    if (0 > maxS) maxS = 0;
    if (0 < minDiff) minDiff = 0;
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  return { maxS, minS };
}

/** Pr(D ≥ h/n) for equal sample sizes, Horner-like to avoid cancellation (`_compute_prob_outside_square`). */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/** 1 − Pr(paths stay strictly inside |x/m − y/n| < h/lcm), Viehmann's stable recursion (`_compute_outer_prob_inside_method`). */
export function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = Math.trunc(m / g);
  const ng = Math.trunc(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, Math.min(maxj, lenA));
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + shift]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(maxj - minj + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1]!;
}

/** Exact p-value attempt; `ok` is false when scipy would fall back to the asymptotic path (`_attempt_exact_2kssamp`). */
function attemptExact(n1: number, n2: number, g: number, d: number): { ok: boolean; d: number; p: number } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dq = h / lcm;
  if (h === 0) return { ok: true, d: dq, p: 1.0 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  if (!(p >= 0 && p <= 1)) return { ok: false, d: dq, p };
  return { ok: true, d: dq, p };
}

/** Two-sided KS test on two ascending-sorted samples; same statistic and p-value as `scipy.stats.ks_2samp`. */
export function ks2sampSorted(a: Float64Array, b: Float64Array, method: KsMethod = 'auto'): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2samp: both samples must be non-empty');
  const { maxS, minS } = ecdfGaps(a, b);
  let d = minS > maxS ? minS : maxS;
  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact') mode = n1g >= INT32_MAX / n2g ? 'asymp' : 'exact';
  else mode = 'asymp';
  let prob = NaN;
  if (mode === 'exact') {
    const r = attemptExact(n1, n2, g, d);
    d = r.d;
    if (r.ok) prob = r.p;
    else mode = 'asymp';
  }
  if (mode === 'asymp') {
    const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
    const en = (m * n) / (m + n);
    prob = kstwoSf(d, roundHalfEven(en));
  }
  prob = prob < 0 ? 0 : prob > 1 ? 1 : prob;
  return { statistic: d, pValue: prob, method: mode };
}

/** Two-sided KS test on unsorted samples (copies and sorts them). */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>, method: KsMethod = 'auto'): KsResult {
  return ks2sampSorted(Float64Array.from(a).sort(), Float64Array.from(b).sort(), method);
}
