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

/** The bins `psi` and `jensenshannon` compare (see the module comment). */
export function sharedBins(col: PreparedColumn): SharedBins {
  if (col.type === 'categorical') return { labels: col.labels, ref: col.ref, cur: col.cur };
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
