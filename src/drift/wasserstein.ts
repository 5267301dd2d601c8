/**
 * First Wasserstein distance between two 1-D samples by one merge walk over the sorted samples: ∫|F_u − F_v|, a port of
 * `scipy.stats.wasserstein_distance` (`_cdf_distance(1, u, v)`). Drift uses it divided by the reference's population
 * standard deviation (at least 0.001) so the threshold is scale-free.
 */

/** W1 distance between two ascending-sorted samples. */
export function wassersteinSorted(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = Math.min(u[0]!, v[0]!);
  // Walk the distinct values of u ∪ v; between consecutive ones the ECDFs are i/nu and j/nv (scipy's searchsorted right).
  while (i < nu && j < nv) {
    const x = u[i]!;
    const y = v[j]!;
    const next = x < y ? x : y;
    sum += Math.abs(i / nu - j / nv) * (next - prev);
    if (x === next) {
      i++;
      while (i < nu && u[i] === x) i++;
    }
    if (y === next) {
      j++;
      while (j < nv && v[j] === y) j++;
    }
    prev = next;
  }
  while (i < nu) {
    const x = u[i]!;
    sum += Math.abs(i / nu - 1) * (x - prev);
    i++;
    while (i < nu && u[i] === x) i++;
    prev = x;
  }
  while (j < nv) {
    const y = v[j]!;
    sum += Math.abs(1 - j / nv) * (y - prev);
    j++;
    while (j < nv && v[j] === y) j++;
    prev = y;
  }
  return sum;
}

/** W1 distance between two unsorted samples. */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinSorted(Float64Array.from(u).sort(), Float64Array.from(v).sort());
}

/** Population standard deviation (`np.std`, ddof = 0), two-pass. */
export function populationStd(x: Float64Array): number {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** W1(ref, cur) / max(std(ref), 0.001), on ascending-sorted samples. */
export function normalisedWasserstein(ref: Float64Array, cur: Float64Array): number {
  return wassersteinSorted(ref, cur) / Math.max(populationStd(ref), 0.001);
}
