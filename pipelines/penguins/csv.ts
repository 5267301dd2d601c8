import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Cell = string | number | boolean | null | undefined;

/** Quotes a cell only when it must be (a comma, a quote or a line break); null and undefined are empty cells. */
function cell(value: Cell): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV text: a header line, one line per row, `\n` line ends and a final newline. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

/**
 * Writes records as CSV with the given columns (a training reference sample, a production window).
 * @example writeCsv('window.csv', requests, FEATURES)
 */
export function writeCsv<T extends object>(path: string, records: readonly T[], columns: readonly (keyof T & string)[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toCsv(columns, records.map((r) => columns.map((c) => r[c] as Cell))));
}
