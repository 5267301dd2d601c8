/**
 * Column typing and preparation. A column is numeric when every non-empty cell in both windows is a finite decimal number,
 * else categorical. Empty (blank) cells are left out of every test; `missingShare` reports the share of empty cells in the
 * current window, because that is the window being judged.
 */

/** Column-major table: `columns[i]` holds every cell of `header[i]`, as text. */
export interface RawTable {
  header: string[];
  columns: string[][];
}

/** A column's non-empty values in both windows, typed. */
export type PreparedColumn =
  | { name: string; type: 'numeric'; ref: Float64Array; cur: Float64Array; missingShare: number }
  | { name: string; type: 'categorical'; ref: string[]; cur: string[]; missingShare: number };

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

function nonEmpty(cells: string[]): string[] {
  const out: string[] = [];
  for (const cell of cells) if (!isEmptyCell(cell)) out.push(cell.trim());
  return out;
}

function toSortedNumbers(cells: string[]): Float64Array | null {
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = parseNumber(cells[i]!);
    if (Number.isNaN(v)) return null;
    out[i] = v;
  }
  return out.sort();
}

/** Types one column from its reference and current cells and drops empty cells. */
export function prepareColumn(name: string, refCells: string[], curCells: string[]): PreparedColumn {
  const ref = nonEmpty(refCells);
  const cur = nonEmpty(curCells);
  const missingShare = curCells.length === 0 ? 0 : (curCells.length - cur.length) / curCells.length;
  const refNum = toSortedNumbers(ref);
  const curNum = refNum && toSortedNumbers(cur);
  if (refNum && curNum) return { name, type: 'numeric', ref: refNum, cur: curNum, missingShare };
  return { name, type: 'categorical', ref, cur, missingShare };
}
