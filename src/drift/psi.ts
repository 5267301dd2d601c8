/**
 * Population Stability Index over shared bins: Σ (r − c)·ln(r / c) on bin shares. Empty bins would make the log infinite,
 * so zero shares are replaced by 0.0001, or by (smallest non-zero share of either window) / 1e6 when that smallest share
 * is itself ≤ 0.0001 (so the replacement stays below every real share).
 */

/** Shares of each bin: counts divided by their total. */
export function shares(counts: Float64Array): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}

/** Replacement for empty-bin shares, see the module comment. */
export function psiEpsilon(r: Float64Array, c: Float64Array): number {
  let min = Infinity;
  for (const s of [r, c]) for (let i = 0; i < s.length; i++) if (s[i]! > 0 && s[i]! < min) min = s[i]!;
  return min <= 0.0001 ? min / 1e6 : 0.0001;
}

/** PSI between reference and current bin counts. */
export function psi(refCounts: Float64Array, curCounts: Float64Array): number {
  const r = shares(refCounts);
  const c = shares(curCounts);
  const eps = psiEpsilon(r, c);
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i]! === 0 ? eps : r[i]!;
    const ci = c[i]! === 0 ? eps : c[i]!;
    sum += (ri - ci) * Math.log(ri / ci);
  }
  return sum;
}
