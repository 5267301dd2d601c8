/**
 * Shared bins of a column for `psi`, `jensenshannon` and the HTML report: numeric columns with more than 20 distinct
 * reference values get numpy's Sturges edges over reference ∪ current; other columns get one bin per distinct value.
 */
import type { PreparedColumn } from './columns.js';
import { countDistinct, distinctUnion, histogramCounts, sturgesEdges, valueCounts } from './histogram.js';

/** Bin labels with reference and current counts; `edges` is set for equal-width numeric bins. */
export interface SharedBins {
  labels: string[];
  ref: Float64Array;
  cur: Float64Array;
  edges?: Float64Array;
}

/** Distinct reference values above which numeric columns are binned by width instead of by value. */
export const MAX_VALUE_BINS = 20;

/** Counts per category, categories in ascending code-unit order. */
export function categoryCounts(ref: readonly string[], cur: readonly string[]): SharedBins {
  const counts = new Map<string, [number, number]>();
  for (const v of ref) {
    const c = counts.get(v);
    if (c) c[0]++;
    else counts.set(v, [1, 0]);
  }
  for (const v of cur) {
    const c = counts.get(v);
    if (c) c[1]++;
    else counts.set(v, [0, 1]);
  }
  const labels = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const r = new Float64Array(labels.length);
  const c = new Float64Array(labels.length);
  labels.forEach((label, i) => {
    const [x, y] = counts.get(label)!;
    r[i] = x;
    c[i] = y;
  });
  return { labels, ref: r, cur: c };
}

/** The bins `psi` and `jensenshannon` compare (see the module comment). */
export function sharedBins(col: PreparedColumn): SharedBins {
  if (col.type === 'categorical') return categoryCounts(col.ref, col.cur);
  if (countDistinct(col.ref) > MAX_VALUE_BINS) {
    const edges = sturgesEdges(col.ref, col.cur);
    const labels: string[] = [];
    for (let i = 0; i + 1 < edges.length; i++) labels.push(`${fmt(edges[i]!)}–${fmt(edges[i + 1]!)}`);
    return { labels, ref: histogramCounts(col.ref, edges), cur: histogramCounts(col.cur, edges), edges };
  }
  const values = distinctUnion(col.ref, col.cur);
  return {
    labels: Array.from(values, (v) => String(v)),
    ref: valueCounts(col.ref, values),
    cur: valueCounts(col.cur, values),
  };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
