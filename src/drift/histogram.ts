/**
 * Bins shared by the reference and current windows for `psi` and `jensenshannon`: numpy's `'sturges'` equal-width edges
 * (`np.histogram_bin_edges(np.concatenate([ref, cur]), bins='sturges')`, with `np.linspace`'s exact arithmetic) or one
 * bin per distinct value. Counting follows `np.histogram`: half-open bins, the last one closed.
 */

/** `np.linspace(start, stop, num)` with numpy's rounding: i·step + start, and the last point set to `stop`. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const y = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    if (step === 0) for (let i = 0; i < num; i++) y[i] = (i / div) * delta + start;
    else for (let i = 0; i < num; i++) y[i] = i * step + start;
  } else {
    for (let i = 0; i < num; i++) y[i] = i * delta + start;
  }
  if (num > 1) y[num - 1] = stop;
  return y;
}

/** Sturges edges over the union of two ascending samples (`np.histogram_bin_edges(..., bins='sturges')`). */
export function sturgesEdges(a: Float64Array, b: Float64Array): Float64Array {
  const size = a.length + b.length;
  if (size === 0) return linspace(0, 1, 2);
  let first = Math.min(a.length ? a[0]! : Infinity, b.length ? b[0]! : Infinity);
  let last = Math.max(a.length ? a[a.length - 1]! : -Infinity, b.length ? b[b.length - 1]! : -Infinity);
  const ptp = last - first; // numpy's _ptp on the raw data, before the equal-edge widening below
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = ptp / (Math.log2(size) + 1.0);
  const nBins = width ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, nBins + 1);
}

/** Index of the first element ≥ v (`searchsorted(side='left')`). */
export function lowerBound(s: Float64Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > v (`searchsorted(side='right')`). */
export function upperBound(s: Float64Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of an ascending sample in bins [e_i, e_{i+1}), the last closed (`np.histogram(x, bins=edges)`). */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  let prev = lowerBound(sorted, edges[0]!);
  for (let i = 0; i < nb; i++) {
    const next = i === nb - 1 ? upperBound(sorted, edges[nb]!) : lowerBound(sorted, edges[i + 1]!);
    counts[i] = next - prev;
    prev = next;
  }
  return counts;
}

/** Distinct values of the union of two ascending samples, ascending. */
export function distinctUnion(a: Float64Array, b: Float64Array): Float64Array {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    out.push(v);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
  }
  return Float64Array.from(out);
}

/** Number of distinct values of the union of two ascending samples, counted no further than `cap` (no allocation). */
export function countDistinctUnion(a: Float64Array, b: Float64Array, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count < cap) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    count++;
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
  }
  return count;
}

/** Number of distinct values in an ascending sample. */
export function countDistinct(sorted: Float64Array): number {
  let c = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) c++;
  return c;
}

/** Counts of an ascending sample per value of an ascending list of distinct values. */
export function valueCounts(sorted: Float64Array, values: Float64Array): Float64Array {
  const counts = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (values[k]! < sorted[i]!) k++;
    counts[k]! += 1;
  }
  return counts;
}
