import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { type DuckDBDataChunk, DuckDBMapValue, type DuckDBMaterializedResult } from '@duckdb/node-api';
import { parse } from 'csv-parse';
import { UsageError } from '../core/errors.js';
import { countLabels, parseNumber } from './columns.js';

// What a drift window's file is and how DuckDB should read it: the format, a CSV's header and column types, the SQL
// quoting, and DuckDB's errors turned into one line naming the file and the fix (read.ts does the reading).

export type ColumnRead = 'numbers' | 'labels';

/** Rows of a CSV file read (by csv-parse) to guess each column's type before DuckDB reads the whole file. */
const SAMPLE_ROWS = 1000;
const PARQUET_MAGIC = 'PAR1';

export async function detectFormat(path: string): Promise<'csv' | 'parquet'> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const fd = await open(path, 'r');
    try {
      const buf = Buffer.alloc(4);
      const { bytesRead } = await fd.read(buf, 0, 4, 0);
      return bytesRead === 4 && buf.toString('latin1') === PARQUET_MAGIC ? 'parquet' : 'csv';
    } finally {
      await fd.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new UsageError(`${path}: file ${why}; pass the path of a CSV file with a header row, or a Parquet file`, {
      cause: err,
      details: { file: path },
    });
  }
}

/** The header and the first data rows of a CSV file, by csv-parse (which stops after them). */
export async function readCsvHead(path: string): Promise<{ header: string[]; sample: string[][] }> {
  const records: string[][] = [];
  try {
    const input = createReadStream(path);
    const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, to: SAMPLE_ROWS + 1 }));
    try {
      for await (const record of parser) records.push(record as string[]);
    } finally {
      input.destroy();
    }
  } catch (err) {
    const e = err as { message?: string };
    throw new UsageError(
      `${path}: not valid CSV (${e.message ?? 'parse error'}); every row needs as many fields as the header`,
      { cause: err, details: { file: path } },
    );
  }
  const header = records[0];
  if (!header || header.length === 0) {
    throw new UsageError(`${path}: file is empty; give it a header row and at least one data row`, {
      details: { file: path },
    });
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name.trim() === '') {
      throw new UsageError(`${path}: the header has an empty column name; name every column`, {
        details: { file: path, field: name },
      });
    }
    if (seen.has(name)) {
      throw new UsageError(`${path}: column "${name}" appears twice in the header; give columns unique names`, {
        details: { file: path, field: name },
      });
    }
    seen.add(name);
  }
  if (records.length < 2) {
    throw new UsageError(`${path}: file has a header but no data rows; add at least one row`, {
      details: { file: path },
    });
  }
  return { header, sample: records.slice(1) };
}

/** Numbers when every non-empty sampled cell of the column parses (DuckDB then tells if a later one does not). */
export function guessRead(sample: string[][], column: number): ColumnRead {
  for (const row of sample) {
    const cell = row[column] ?? '';
    if (cell.trim() !== '' && Number.isNaN(parseNumber(cell))) return 'labels';
  }
  return 'numbers';
}

/** `read_csv(...)` with the dialect and the column types fixed (no sniffing: the header and the types are ours). */
export function csvSource(source: string, header: string[], reads: Map<string, ColumnRead>): string {
  const columns = header.map((name) => `${literal(name)}: '${reads.get(name) === 'numbers' ? 'DOUBLE' : 'VARCHAR'}'`);
  return (
    `read_csv(${literal(source)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `columns = {${columns.join(', ')}})`
  );
}

/** The column a CSV cell could not be converted in (DuckDB's conversion error), or null for any other error. */
export function unconvertibleColumn(err: unknown): string | null {
  const m = /Error when converting column "((?:[^"]|"")*)"/.exec((err as Error)?.message ?? '');
  return m ? m[1]!.replace(/""/g, '"') : null;
}

/** DuckDB's error as one line naming the file and the fix. */
export function inputError(path: string, format: 'csv' | 'parquet', err: unknown): UsageError {
  const message = (err as Error)?.message ?? String(err);
  if (format === 'parquet') {
    const first = message.split('\n')[0]!.replace(/^[A-Za-z ]+ Error: /, '');
    return new UsageError(`${path}: not a readable Parquet file (${first}); write it again with a Parquet writer`, {
      cause: err,
      details: { file: path },
    });
  }
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const what = fields
    ? `line ${line}: expected ${fields[1]} fields, found ${fields[2]}`
    : `${line ? `line ${line}: ` : ''}${message.split('\n').find((l) => l.trim() !== '' && !/CSV Error on Line/.test(l))?.replace(/^[A-Za-z ]+ Error: /, '') ?? 'parse error'}`;
  return new UsageError(`${path}: not valid CSV (${what}); every row needs as many fields as the header`, {
    cause: err,
    details: { file: path, ...(line ? { line: Number(line) } : {}) },
  });
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** True when no value is an infinity or NaN. */
export function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]! - values[i]! !== 0) return false;
  return true;
}

/** A `histogram` MAP cell as counts per trimmed text (values that trim to the same text are merged). */
export function labelCounts(chunk: DuckDBDataChunk, column: number): Map<string, number> {
  const value = chunk.getColumnVector(column).getItem(0);
  const counts = new Map<string, number>();
  if (!(value instanceof DuckDBMapValue)) return counts;
  for (const { key, value: count } of value.entries) countLabels([String(key)], counts, Number(count));
  return counts;
}

/** Every row of a materialised result. */
export function rowsOf(result: DuckDBMaterializedResult): unknown[][] {
  const out: unknown[][] = [];
  for (let c = 0; c < result.chunkCount; c++) out.push(...result.getChunk(c).getRows());
  return out;
}
