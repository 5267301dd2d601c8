/** Jensen–Shannon distance, a port of `scipy.spatial.distance.jensenshannon(p, q)` (natural log, no smoothing). */

function relEntr(x: number, y: number): number {
  // scipy.special.rel_entr
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * Jensen–Shannon distance between two histograms (counts or shares; each is normalised to sum 1 as scipy does).
 * Rounding can make the divergence a hair below 0 for near-identical inputs, where scipy returns NaN; we return 0.
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) sp += p[i]!;
  for (let i = 0; i < q.length; i++) sq += q[i]!;
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2.0;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  const js = left + right;
  return Math.sqrt(Math.max(js / 2.0, 0));
}
