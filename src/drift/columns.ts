/**
 * Column typing and preparation. A column is numeric when every non-empty cell in both windows is a finite decimal number,
 * else categorical. Empty (blank) cells are left out of every test; `missingShare` reports the share of empty cells in the
 * current window, because that is the window being judged.
 *
 * A categorical column keeps only its category counts (labels × windows), never one string per row: that is all its
 * tests (chisquare, z, psi, jensenshannon) and the report need.
 */
import { UsageError } from '../core/errors.js';
import { radixSortFloat64 } from './sort.js';

/** Column-major table: `columns[i]` holds every cell of `header[i]`, as text. */
export interface RawTable {
  header: string[];
  columns: string[][];
}

/** A column's non-empty values in both windows, typed: numbers ascending, or counts per label (labels ascending). */
export type PreparedColumn =
  | { name: string; type: 'numeric'; ref: Float64Array; cur: Float64Array; missingShare: number }
  | {
      name: string;
      type: 'categorical';
      /** Every label seen in either window, in code-unit order. */
      labels: string[];
      /** Reference and current counts per label. */
      ref: Float64Array;
      cur: Float64Array;
      missingShare: number;
    };

/**
 * What one window holds for a column, before the two windows are typed together: its non-empty cells parsed as numbers
 * (unsorted), or counted per trimmed text. `rows` counts every row, empty cells included.
 */
export type WindowValues =
  | { kind: 'numbers'; values: Float64Array; rows: number; sorted?: boolean }
  | { kind: 'labels'; counts: Map<string, number>; rows: number };

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether a cell counts as missing. */
export function isEmptyCell(cell: string): boolean {
  return cell.trim() === '';
}

/** Parses a decimal number, or returns NaN (no hex, no "Infinity", no "NaN": those make a column categorical). */
export function parseNumber(cell: string): number {
  const s = cell.trim();
  if (!DECIMAL.test(s)) return NaN;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

/** Builds a column-major table from a header and row-major records. */
export function tableFromRows(header: string[], rows: string[][]): RawTable {
  const columns = header.map(() => new Array<string>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < header.length; c++) columns[c]![r] = row[c] ?? '';
  }
  return { header, columns };
}

/** Counts of trimmed non-empty cells. */
export function countLabels(cells: Iterable<string>, counts = new Map<string, number>(), times = 1): Map<string, number> {
  for (const cell of cells) {
    const label = cell.trim();
    if (label !== '') counts.set(label, (counts.get(label) ?? 0) + times);
  }
  return counts;
}

/** A window's values of one column from its cells: numbers when every non-empty cell parses, else label counts. */
export function windowValues(cells: readonly string[]): WindowValues {
  const values = new Float64Array(cells.length);
  let k = 0;
  for (const cell of cells) {
    if (isEmptyCell(cell)) continue;
    const v = parseNumber(cell);
    if (Number.isNaN(v)) return { kind: 'labels', counts: countLabels(cells), rows: cells.length };
    values[k++] = v;
  }
  return { kind: 'numbers', values: values.subarray(0, k), rows: cells.length };
}

/** The numbers behind label counts when every label parses (each repeated by its count), else null. */
export function numbersFromLabels(counts: ReadonlyMap<string, number>): Float64Array | null {
  let total = 0;
  for (const [label, count] of counts) {
    if (Number.isNaN(parseNumber(label))) return null;
    total += count;
  }
  const out = new Float64Array(total);
  let k = 0;
  for (const [label, count] of counts) {
    out.fill(parseNumber(label), k, k + count);
    k += count;
  }
  return out;
}

function nonEmpty(w: WindowValues): number {
  if (w.kind === 'numbers') return w.values.length;
  let n = 0;
  for (const c of w.counts.values()) n += c;
  return n;
}

/**
 * Label counts whose labels all parse become numbers (a text column, e.g. from a Parquet string column or a CSV column
 * with odd spacing, can still be numeric by the contract); anything else is returned as it is.
 */
export function settle(w: WindowValues): WindowValues {
  if (w.kind === 'numbers') return w;
  const values = numbersFromLabels(w.counts);
  return values ? { kind: 'numbers', values, rows: w.rows } : w;
}

/**
 * Types one column from both windows' settled values: numeric when both hold numbers (sorted here, in place, unless
 * marked `sorted`),
 * categorical when both hold label counts. Windows that disagree must first both be read as labels.
 */
export function prepareFromWindows(name: string, ref: WindowValues, cur: WindowValues): PreparedColumn {
  const missingShare = cur.rows === 0 ? 0 : (cur.rows - nonEmpty(cur)) / cur.rows;
  if (ref.kind === 'numbers' && cur.kind === 'numbers') {
    const ascending = (w: { values: Float64Array; sorted?: boolean }) => (w.sorted ? w.values : radixSortFloat64(w.values));
    return { name, type: 'numeric', ref: ascending(ref), cur: ascending(cur), missingShare };
  }
  if (ref.kind !== 'labels' || cur.kind !== 'labels') {
    throw new TypeError(`prepareFromWindows: column "${name}" is numbers in one window and labels in the other`);
  }
  const labels = [...new Set([...ref.counts.keys(), ...cur.counts.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const r = new Float64Array(labels.length);
  const c = new Float64Array(labels.length);
  labels.forEach((label, i) => {
    r[i] = ref.counts.get(label) ?? 0;
    c[i] = cur.counts.get(label) ?? 0;
  });
  return { name, type: 'categorical', labels, ref: r, cur: c, missingShare };
}

/** Types one column from its reference and current cells and drops empty cells. */
export function prepareColumn(name: string, refCells: string[], curCells: string[]): PreparedColumn {
  let ref = windowValues(refCells);
  let cur = windowValues(curCells);
  if (ref.kind !== cur.kind) {
    ref = { kind: 'labels', counts: countLabels(refCells), rows: refCells.length };
    cur = { kind: 'labels', counts: countLabels(curCells), rows: curCells.length };
  }
  return prepareFromWindows(name, ref, cur);
}

/** Rejects a column without values in one window (every cell empty): nothing to compare. */
export function requireValues(col: PreparedColumn, refName: string, curName: string): PreparedColumn {
  const sizes: [string, number][] = [
    [refName, col.type === 'numeric' ? col.ref.length : sum(col.ref)],
    [curName, col.type === 'numeric' ? col.cur.length : sum(col.cur)],
  ];
  for (const [file, size] of sizes) {
    if (size === 0) {
      throw new UsageError(
        `${file}: column "${col.name}" has no values (every cell is empty); fill it or drop the column from both files`,
        { details: { file, field: col.name } },
      );
    }
  }
  return col;
}

/** Sum of counts. */
export function sum(counts: Float64Array): number {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += counts[i]!;
  return s;
}
